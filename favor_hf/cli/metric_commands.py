"""``favor-hf install-metrics`` and ``favor-hf push-metrics``: our evaluate modules by bare name or on the Hub."""

from __future__ import annotations

import argparse

from favor_hf.cli.flags import fail


def _install(args: argparse.Namespace) -> int:
    from favor_hf.hub_metrics import MetricRegistrationError, evaluate_modules_cache, install_metrics

    try:
        installed = install_metrics(args.name or None, force=args.force)
    except MetricRegistrationError as err:
        return fail(str(err))
    print(f"registered in {evaluate_modules_cache()}:")
    for name, path in installed.items():
        print(f"  {name}: {path}  ->  evaluate.load({name!r})")
    return 0


def _push(args: argparse.Namespace) -> int:
    from favor_hf.hub_metrics import MetricRegistrationError, push_metrics

    try:
        urls = push_metrics(
            args.org, token=args.token, names=args.name or None, private=args.private, requirement=args.requirement
        )
    except MetricRegistrationError as err:
        return fail(str(err), {"requirement=": "--requirement"})
    for url in urls:
        repo_id = url.split("/spaces/", 1)[1]
        print(f"pushed {url}  ->  evaluate.load({repo_id!r})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``install-metrics`` and ``push-metrics`` subcommands."""
    install = subparsers.add_parser(
        "install-metrics",
        help="register favor_mcq and favor_caption so evaluate.load('favor_mcq') works (also offline)",
        description=(
            "Copy favor-hf's evaluate modules into evaluate's module cache as evaluate-metric--NAME "
            "($HF_MODULES_CACHE/evaluate_modules/metrics), replacing copies from older versions. "
            "favor_hf.load_metric(NAME) does the same on first use."
        ),
    )
    install.add_argument("--name", action="append", help="only this module (repeatable; default: all)")
    install.add_argument("--force", action="store_true", help="rewrite entries that are already up to date")
    install.set_defaults(func=_install)

    push = subparsers.add_parser(
        "push-metrics",
        help="publish the evaluate modules as Hub Spaces ORG/favor_mcq and ORG/favor_caption",
        description="Create (or update) a Gradio Space ORG/NAME per module and upload its folder, "
        "so that evaluate.load('ORG/NAME') works.",
    )
    push.add_argument("--org", required=True, help="Hub user or organisation to own the Spaces")
    push.add_argument("--token", help="Hub token with write access (default: the logged-in token / HF_TOKEN)")
    push.add_argument("--name", action="append", help="only this module (repeatable; default: all)")
    push.add_argument("--private", action="store_true", help="create private Spaces")
    push.add_argument(
        "--requirement",
        metavar="REQ",
        help="where the Spaces install favor-hf from, written into their requirements.txt with each module's "
        "extras, e.g. 'favor-hf @ git+https://github.com/ORG/favor-hf@COMMIT' (required: favor-hf is on no "
        "package index; a bare name is refused)",
    )
    push.set_defaults(func=_push)
