"""``brickwork worker`` (run jobs) and ``brickwork runs …`` (read the run log, retry a dead job)."""

from __future__ import annotations

from brickwork.platform.i18n import _


def add_commands(commands, parser_class, whole) -> None:
    worker = commands.add_parser("worker", help=_("run jobs and event deliveries (PostgreSQL: any number of these)"))
    worker.add_argument("--concurrency", type=whole(1, 256), default=4, help=_("jobs run at the same time"))
    worker.add_argument("--once", action="store_true", help=_("run the jobs that are due, then stop"))
    worker.add_argument("--migrate", action="store_true", help=_("migrate the database first"))
    worker.set_defaults(run=cmd_worker)

    runs = commands.add_parser("runs", help=_("the run log of jobs and deliveries")).add_subparsers(
        dest="runs_command", required=True, parser_class=parser_class)
    rlist = runs.add_parser("list", help=_("list runs, newest first"))
    rlist.add_argument("--app")
    rlist.add_argument("--kind", help="event, job, schedule")
    rlist.add_argument("--outcome", help="succeeded, retrying, failed, skipped")
    rlist.add_argument("--limit", type=whole(1, 500), default=50)
    rlist.set_defaults(run=cmd_runs_list)
    retry = runs.add_parser("retry", help=_("retry the dead job of a failed run"))
    retry.add_argument("id", type=whole(1, 2**63 - 1))
    retry.set_defaults(run=cmd_runs_retry)


def cmd_worker(args, settings) -> None:
    import brickwork.kinds  # noqa: F401  (the engines register their subscribers and tasks)
    from brickwork.cli_common import migrated_engine
    from brickwork.connectors import webhooks
    from brickwork.platform.db import make_sessionmaker
    from brickwork.platform.jobs.worker import run_forever

    webhooks.configure(settings.secret_key)

    engine = migrated_engine(settings, args.migrate, _(
        "The database is not migrated: run 'brickwork db upgrade' or start with 'brickwork worker --migrate'."))
    if not args.once:
        print(_("Brickwork worker started (%(backend)s).", backend=engine.dialect.name), flush=True)
    try:
        run_forever(settings, engine, make_sessionmaker(engine), args.concurrency, wait=not args.once)
    finally:
        engine.dispose()


def cmd_runs_list(args, settings) -> None:
    from brickwork.cli_common import _work
    from brickwork.platform.jobs.runs import list_runs

    rows, _more = _work(settings, lambda s: list_runs(s, app=args.app, kind=args.kind, outcome=args.outcome,
                                                      limit=args.limit))
    for r in rows:
        error = (r.error or "").splitlines()[0] if r.error else ""
        print(f"{r.id}\t{r.started_at:%Y-%m-%d %H:%M:%S}\t{r.kind}\t{r.task}\t{r.app or '-'}\t"
              f"#{r.attempt}\t{r.outcome}\t{r.duration_ms}ms\t{error}")


def cmd_runs_retry(args, settings) -> None:
    from brickwork.cli_common import _work
    from brickwork.platform.jobs.runs import retry_run

    _work(settings, lambda s: retry_run(s, args.id))
    print(_("Run %(id)s's job will run again shortly.", id=args.id))
