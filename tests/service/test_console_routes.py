"""The console's files and the reports it lists: public page, keyed reports."""

from __future__ import annotations

from tests.service.conftest import Served


def test_the_page_and_its_files_load_without_a_key_from_the_package(served: Served) -> None:
    page = served.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/console/console.js">' in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing fetched from elsewhere
    script = served.client.get("/console/console.js")
    assert script.status_code == 200 and "/api/live" in script.text
    assert served.client.get("/console/console.css").status_code == 200
    for missing in ("/console/nothing.js", "/console/..%2Fapp.py", "/console/live.py"):
        assert served.client.get(missing).status_code == 404


def test_reports_in_the_data_folder_are_listed_and_served_to_viewers(served: Served) -> None:
    assert served.client.get("/api/reports", headers=served.headers("viewer")).json() == {
        "reports": []
    }
    folder = served.data_dir / "reports" / "pad-2026"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<h1>evidence</h1>")
    assert served.client.get("/api/reports").status_code == 401
    listed = served.client.get("/api/reports", headers=served.headers("viewer")).json()
    assert [r["name"] for r in listed["reports"]] == ["pad-2026"]
    page = served.client.get("/api/reports/pad-2026", headers=served.headers("viewer"))
    assert page.status_code == 200 and page.text == "<h1>evidence</h1>"
    for bad in ("nothing", "..", ".hidden"):
        assert (
            served.client.get(f"/api/reports/{bad}", headers=served.headers("viewer")).status_code
            == 404
        )
