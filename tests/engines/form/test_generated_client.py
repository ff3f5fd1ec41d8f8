"""An integrator feeds the CRM's OpenAPI document to openapi-python-client and does the job
with only the generated client, against a real `brickwork serve` on loopback: create
records of every field type, list them filtered, sorted and page by page, read, change with
the version, meet a 409 and a 422 as typed problems, delete; and every record of every CRM
form reads back through the generated models, nothing left over, nothing lost."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx
import httpx2
import pytest
from sqlalchemy import select

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.org import create_department
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.models import User
from brickwork.templates.crm_demo import generate as fill_demo
from tests.engines.form.helpers import APP, form, records
from tests.engines.form.test_round_trip import every_type
from tests.templates.install import install_crm

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "brickwork_crm_client"


def generate(document: dict, where: Path) -> Path:
    """The client project as the generator writes it, named from the document's ASCII title."""
    where.mkdir()
    (where / "openapi.json").write_text(json.dumps(document, ensure_ascii=False))
    (where / "config.yaml").write_text("post_hooks: []\n")
    subprocess.run([str(GENERATOR), "generate", "--path", "openapi.json", "--meta", "setup",
                    "--config", "config.yaml"], cwd=where, check=True, capture_output=True)
    project = where / "brickwork-crm-client"
    assert (project / PACKAGE / "client.py").exists()
    # pip takes the project's name (it refused the label-named "客户管理-client").
    assert re.search(r'name="brickwork-crm-client"', (project / "setup.py").read_text())
    return project


def install(project: Path, target: Path) -> Path:
    """pip builds and installs the generated project into a folder of its own, as an integrator
    would; its dependencies (httpx, attrs, dateutil) and build backend come with the dev extras."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                    "--no-cache-dir", "--quiet", "--target", str(target), str(project)], check=True)
    assert (target / PACKAGE / "client.py").exists()
    assert list(target.glob("brickwork_crm_client-*.dist-info"))
    return target


def class_names(project: Path) -> list[str]:
    return sorted(re.findall(r"^class (\w+)", path.read_text(), re.M)[0] if "class " in path.read_text() else
                  path.stem for path in (project / PACKAGE / "models").glob("*.py"))


def same(read, sent) -> bool:
    """Equal values, counting two spellings of one instant (Z or +00:00) as the same."""
    if isinstance(read, dict) and isinstance(sent, dict):
        return read.keys() == sent.keys() and all(same(read[k], sent[k]) for k in read)
    if isinstance(read, list) and isinstance(sent, list):
        return len(read) == len(sent) and all(same(a, b) for a, b in zip(read, sent, strict=True))
    if isinstance(read, str) and isinstance(sent, str) and read != sent:
        try:
            return datetime.fromisoformat(read) == datetime.fromisoformat(sent.replace("Z", "+00:00"))
        except ValueError:
            return False
    return read == sent


@pytest.fixture
def crm(live_server, database_url, tmp_path):
    """The CRM installed with demo data, a test form of every field type in it, a token, and both documents."""
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        install_crm(session, admin.id)
        department = create_department(session, "Sales").id
        token = create_token(session, "admin", "integrator")[1]
        admin_id = admin.id
    with make_sessionmaker(engine)() as session:
        fill_demo(session, "crm", 20, seed=7)  # sample customers, deals, orders... in every CRM form
    engine.dispose()
    with httpx2.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
        file_id = api.post("/api/v1/files", files={"file": ("p.png", b"\x89PNG\r\n", "image/png")}).json()["id"]
        cases = every_type(file_id, admin_id, department)
        assert api.put(f"{APP}/forms/kinds", json=form("kinds", *[c[0] for c in cases])).status_code == 200
        assert api.post(f"{APP}/forms/kinds:publish").status_code == 200
        documents = {language: api.get(f"{APP}/openapi.json", headers={"Accept-Language": language}).json()
                     for language in ("en", "zh-CN")}
    yield live_server.url, token, cases, documents
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_a_generated_client_does_the_integrators_job(crm, tmp_path, monkeypatch):
    url, token, cases, documents = crm
    english, chinese = (generate(documents[lang], tmp_path / lang) for lang in ("en", "zh-CN"))
    # The caller's language changes descriptions, never a generated name.
    assert class_names(english) == class_names(chinese)
    assert sorted(p.name for p in (english / PACKAGE / "api" / "default").iterdir()) == \
        sorted(p.name for p in (chinese / PACKAGE / "api" / "default").iterdir())
    monkeypatch.syspath_prepend(str(install(chinese, tmp_path / "site")))
    client_module = importlib.import_module(PACKAGE)
    assert Path(client_module.__file__).is_relative_to(tmp_path / "site")  # the installed copy
    api = importlib.import_module(f"{PACKAGE}.api.default")
    models = importlib.import_module(f"{PACKAGE}.models")
    for name in ("create_kinds", "list_kinds", "get_kinds", "update_kinds", "delete_kinds"):
        importlib.import_module(f"{PACKAGE}.api.default.{name}")
    client = client_module.AuthenticatedClient(base_url=url, token=token, raise_on_unexpected_status=True,
                                               headers={"Accept-Language": "en"}, timeout=httpx.Timeout(60))

    # Create: every field type, values as the server spells them back.
    values = {c[0]["key"]: c[2] for c in cases if c[1] is not None}
    made = []
    for n in range(5):
        body = models.KindsCreate.from_dict({**values, "text": f"customer {n}", "rating": n % 5 + 1})
        created = api.create_kinds.sync(client=client, body=body)
        assert isinstance(created, models.KindsRead), created
        made.append(created)
    first = made[0].to_dict()
    for key, expected in values.items():
        assert same(first[key], expected) if key != "text" and key != "rating" else True, key
    assert first["autonumber"] == "NO-0001" and first["formula"] == "-2469.00"

    # List: a filter, a sort and a cursor through every page.
    condition = json.dumps({"fn": ">=", "args": [{"ref": "rating"}, {"lit": 2, "type": "number"}]})
    seen, cursor = [], None
    while True:
        page = api.list_kinds.sync(client=client, filter_=condition, sort="-text", limit=2,
                                   **({"cursor": cursor} if cursor else {}))
        assert isinstance(page, models.KindsPage), page
        seen += [item.text for item in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == ["customer 4", "customer 3", "customer 2", "customer 1"]

    # Read, change with the version, meet a 409, read a 422's field errors, delete.
    one = api.get_kinds.sync(id=made[0].id, client=client)
    assert isinstance(one, models.KindsRead) and one.text == "customer 0"
    changed = api.update_kinds.sync(id=one.id, client=client,
                                    body=models.KindsUpdate(version=one.version, text="renamed"))
    assert isinstance(changed, models.KindsRead) and changed.version == one.version + 1
    stale = api.update_kinds.sync(id=one.id, client=client, body=models.KindsUpdate(version=one.version, text="x"))
    assert isinstance(stale, models.Problem) and stale.status == 409 and stale.code
    refused = api.create_kinds.sync(client=client, body=models.KindsCreate(email="not an address"))
    assert isinstance(refused, models.Problem) and refused.status == 422
    assert [(e.field, e.code) for e in refused.errors] == [("email", "email")]
    gone = api.delete_kinds.sync_detailed(id=one.id, client=client, version=changed.version)
    assert gone.status_code == 204
    missing = api.get_kinds.sync(id=one.id, client=client)
    assert isinstance(missing, models.Problem) and missing.status == 404
    assert isinstance(api.get_kinds.sync(id=one.id, client=client, deleted=True), models.KindsRead)

    # Every record of every CRM form reads back through the generated models, exactly.
    with httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as raw:
        forms = [row["key"] for row in raw.get(f"{APP}/forms").json()]
        counted = 0
        for key in forms:
            name = "".join(part.title() for part in key.split("_"))
            listing = importlib.import_module(f"{PACKAGE}.api.default.list_{key}")
            reader = getattr(models, f"{name}Read")
            cursor = None
            while True:
                page = raw.get(records(key), params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
                typed = listing.sync(client=client, limit=200, **({"cursor": cursor} if cursor else {}))
                assert [item.id for item in typed.items] == [item["id"] for item in page["items"]]
                for item in page["items"]:
                    model = reader.from_dict(item)
                    assert not getattr(model, "additional_properties", {}), (key, item["id"])
                    assert same(model.to_dict(), item), (key, item["id"])
                    counted += 1
                cursor = page["next_cursor"]
                if not cursor:
                    break
    assert counted > 100  # the CRM comes with its sample records
