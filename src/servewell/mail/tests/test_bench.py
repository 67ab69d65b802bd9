from servewell.mail import bench


class Ctx:
    """The runner's context, reduced to what the mail figures use."""

    scale = "tiny"

    def figure(self, name, value, unit, **context):
        return {"figure": name, "value": value, "unit": unit, **context}

    def progress(self, iterable, total=None, desc=""):
        return iterable


def test_mail_bench_yields_its_three_figures(db, monkeypatch, settings, tmp_path):
    monkeypatch.setitem(bench.SIZES, "tiny", 60)
    figures = {f["figure"]: f for f in bench.run(Ctx())}
    assert figures["email.ingest.msgs_per_s"]["value"] > 0
    assert figures["email.ingest.msgs_per_s"]["messages"] == 60
    assert figures["email.reimport.duplicates"]["value"] == 0
    assert figures["email.reimport.duplicates"]["duplicates_recognised"] == 60
    assert figures["email.replies_threaded.share"]["value"] == 1.0
