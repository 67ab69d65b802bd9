import mailbox
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from servewell.desk.models import Message, MessageKind
from servewell.mail.generate import generate_maildir
from servewell.mail.models import InboundEmail
from servewell.mail.tests import samples
from tests.support.db import database_url


def _import(path, *args):
    out = StringIO()
    call_command("import_mail", str(path), "--quiet", *args, stdout=out)
    return out.getvalue()


def test_import_maildir_threads_replies_and_a_rerun_finds_only_duplicates(care, tmp_path):
    written = generate_maildir(tmp_path / "md", 40)
    replies = sum(1 for m in written if m.is_reply)
    first = _import(tmp_path / "md")
    assert f"40 emails: {40 - replies} new conversations, {replies} threaded" in first
    again = _import(tmp_path / "md")
    assert "0 new conversations, 0 threaded, 40 duplicates" in again
    assert Message.objects.filter(kind=MessageKind.CUSTOMER).count() == 40


def test_import_mbox_and_a_folder_of_eml_files(orders, tmp_path):
    box = mailbox.mbox(str(tmp_path / "old.mbox"))
    box.add(samples.plain(message_id="<mbox1@example.com>"))
    box.add(samples.plain("second", message_id="<mbox2@example.com>"))
    box.flush()
    assert "2 emails: 2 new" in _import(tmp_path / "old.mbox", "--team", orders.slug)
    folder = tmp_path / "eml"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.eml").write_bytes(samples.plain(message_id="<eml1@example.com>"))
    (folder / "sub" / "b.eml").write_bytes(b"garbage, not an email")
    (folder / "notes.txt").write_text("ignored: not .eml")
    assert "2 emails: 1 new conversations, 0 threaded, 0 duplicates, 1 quarantined" in _import(
        folder
    )
    single = tmp_path / "one.eml"
    single.write_bytes(samples.plain(message_id="<eml1@example.com>"))
    assert "1 duplicates" in _import(single)
    assert InboundEmail.objects.filter(source="import:old.mbox").count() == 2


def test_import_refuses_unknown_paths_and_teams(care, tmp_path):
    with pytest.raises(CommandError, match="neither a file nor a folder"):
        _import(tmp_path / "missing")
    with pytest.raises(CommandError, match="No team"):
        _import(tmp_path, "--team", "nope")


_database_url = database_url


@pytest.mark.django_db(transaction=True)
def test_killing_a_real_import_and_rerunning_it_files_every_email_exactly_once(care, tmp_path):
    total = 300
    written = generate_maildir(tmp_path / "md", total)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servewell.config.settings",
        "DATABASE_URL": _database_url(),
        "SERVEWELL_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SERVEWELL_JOBS_IMMEDIATE": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("SERVEWELL_TESTING", None)
    command = [str(Path(sys.executable).parent / "servewell"), "import_mail", str(tmp_path / "md")]
    log = (tmp_path / "import.log").open("wb")  # a file, not a pipe that could fill and block
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while InboundEmail.objects.count() < 40 and process.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    exited_by_itself = process.poll() is not None
    started = InboundEmail.objects.count() >= 40
    process.send_signal(signal.SIGKILL)  # kill -9: no cleanup, mid-transaction or not
    process.wait()
    log.close()
    output = (tmp_path / "import.log").read_text(errors="replace")[-2000:]
    assert not exited_by_itself, f"the import ended before the kill: {output}"
    assert started, f"the import never got going: {output}"
    stored_before_rerun = InboundEmail.objects.count()
    assert 0 < stored_before_rerun < total

    rerun = subprocess.run(command + ["--quiet"], env=env, capture_output=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]

    per_id = Counter(
        Message.objects.filter(kind=MessageKind.CUSTOMER).values_list("email_message_id", flat=True)
    )
    assert set(per_id) == {m.message_id for m in written}
    assert set(per_id.values()) == {1}
    assert InboundEmail.objects.count() == total
    assert not InboundEmail.objects.exclude(state=InboundEmail.State.PROCESSED).exists()
    # and the threads held together across the crash
    conversations = dict(
        Message.objects.filter(kind=MessageKind.CUSTOMER).values_list(
            "email_message_id", "conversation_id"
        )
    )
    assert all(conversations[m.message_id] == conversations[m.root_id] for m in written)
