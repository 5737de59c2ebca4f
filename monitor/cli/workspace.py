"""``dialogue-watch workspace``: the campaigners' private workspace (``monitor.workspace``)
and its accounts (``workspace add-user``, ``remove-user``, ``users``); ``workspace mail``
lists the alert e-mails not sent yet."""

import sys
from pathlib import Path

import click

from monitor.cli.base import cli
from monitor.cli.site import _check_port_free
from monitor.store.workspace import ROLES
from monitor.workspace import accounts


@cli.group(invoke_without_command=True)
@click.option("--port", default=8002, show_default=True, type=int, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep 127.0.0.1 behind a reverse proxy with HTTPS.")
@click.option("--base-url", default="/", show_default=True, metavar="PATH",
              help="Path prefix when a reverse proxy serves the workspace under one.")
@click.option("--public-url", default="", metavar="URL",
              help="The workspace's address as campaigners reach it (for links in e-mails).")
@click.option("--mail-url", envvar="DIALOGUE_WATCH_MAIL_URL", default="", metavar="URL",
              help="Your mail server as an Apprise address, e.g. "
                   "mailtos://user:password@smtp.example.org?from=watch@example.org "
                   "(or set DIALOGUE_WATCH_MAIL_URL). Without it no alert e-mail is sent.")
@click.option("--site-url", default="", metavar="URL",
              help="The public site's address, for 'See the change' links in e-mails.")
@click.option("--mail-every", default=60, show_default=True, type=float, metavar="SECONDS",
              help="How often new changes are looked for and alerts sent.")
@click.pass_context
def workspace(ctx, port, host, base_url, public_url, mail_url, site_url, mail_every):
    """Serve the team's private workspace: subscribe, review, annotate.

    Everyone logs in with an account made by add-user. Bound to 127.0.0.1
    unless told otherwise.

    Example: dialogue-watch workspace --mail-url 'mailtos://me:pw@smtp.example.org?from=watch@example.org'
    """
    if ctx.invoked_subcommand:
        return
    from monitor.workspace import app  # Datasette: only this command pays for it (issue 27)

    obj = ctx.obj
    _check_port_free(host, port)
    click.echo(f"Workspace on http://{host}:{port}{base_url} (Ctrl-C stops)"
               + ("" if mail_url else "; no --mail-url: alerts are queued but not e-mailed") + ".",
               err=True)
    app.serve(Path(obj.db_path), Path(obj.sources_path), host, port, base_url, public_url,
              mail_url, site_url, mail_every)


@workspace.command("add-user")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="editor: may change what is watched; member: subscribes and reviews.")
@click.password_option(help="The password (asked for when not given; kept only as a hash).")
@click.pass_obj
def add_user(obj, name, role, password):
    """Create an account, or give an existing one a new role and password.

    Example: dialogue-watch workspace add-user amina --role editor
    """
    new = accounts.add_user(obj.db_path, name, role, password)
    click.echo(f"{'Added' if new else 'Updated'} {name} ({role}). They log in with this name "
               "and password; a new password ends their old sessions.")


@workspace.command("remove-user")
@click.argument("name")
@click.pass_obj
def remove_user(obj, name):
    """Remove an account; its sessions end at once.

    Example: dialogue-watch workspace remove-user ben
    """
    if not accounts.remove_user(obj.db_path, name):
        raise click.ClickException(f"There is no account called {name}. "
                                   "See them with: dialogue-watch workspace users")
    click.echo(f"Removed {name}.")


@workspace.command("users")
@click.pass_obj
def users(obj):
    """List the accounts and their roles.

    Example: dialogue-watch workspace users
    """
    for row in accounts.list_users(obj.db_path):
        click.echo(f"{row['name']}\t{row['role']}\tsince {row['created_at']}")


@workspace.command("mail")
@click.option("--retry", is_flag=True, help="Send the failed e-mails again at the next pass.")
@click.pass_obj
def mail_status(obj, retry):
    """The alert e-mails the mail server has not taken yet: each is tried again later,
    after a longer wait each time (1 min, 5 min, 30 min, 2 h, then 6 h), and is marked
    failed after the sixth try. Exits with 1 when some have failed.

    Example: dialogue-watch workspace mail --retry
    """
    from monitor.workspace import mail

    again, left = mail.problems(obj.db_path, retry)
    if again:
        click.echo(f"{again} failed e-mail(s) will be sent again at the workspace's next pass.")
    if not left:
        click.echo("Every alert e-mail was taken by the mail server (or waits for its first try).")
        return
    for row in left:
        click.echo(mail.problem_line(row))
    failed = sum(row["status"] == "failed" for row in left)
    if failed:
        click.echo(f"{failed} e-mail(s) failed: check the mail server and --mail-url, then run "
                   "dialogue-watch workspace mail --retry", err=True)
        sys.exit(1)  # some failed: the status a scheduler or script checks, as crawl gives
