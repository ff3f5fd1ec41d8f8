from tests.engines.form.helpers import field, form, publish, records


def test_upload_download_and_attach(api):
    uploaded = api.post("/api/v1/files", files={"file": ("报价单.pdf", b"%PDF-1.4 quote", "application/pdf")})
    assert uploaded.status_code == 201
    meta = uploaded.json()
    assert (meta["name"], meta["mime"], meta["size"]) == ("报价单.pdf", "application/pdf", 14)
    download = api.get(f"/api/v1/files/{meta['id']}")
    assert download.content == b"%PDF-1.4 quote"
    assert download.headers["content-disposition"].startswith("attachment")

    publish(api, form("docs", field("f_files", "attachment", "files", accept=["application/pdf"], max_size_mb=1),
                      field("f_photo", "image", "photo")))
    created = api.post(records("docs"), json={"files": [meta["id"]]})
    assert created.status_code == 201 and created.json()["files"] == [meta["id"]]
    refused = api.post(records("docs"), json={"photo": [meta["id"]], "files": ["nope"]})
    assert refused.status_code == 422
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {("photo", "file_type"), ("files", "file")}


def test_the_same_bytes_are_stored_once(api, settings):
    first = api.post("/api/v1/files", files={"file": ("a.txt", b"same", "text/plain")}).json()
    second = api.post("/api/v1/files", files={"file": ("b.txt", b"same", "text/plain")}).json()
    assert first["id"] != second["id"]
    stored = [p for p in (settings.data_dir / "files").rglob("*") if p.is_file()]
    assert len(stored) == 1


def test_an_unknown_file_is_404(api):
    assert api.get("/api/v1/files/0123").status_code == 404
