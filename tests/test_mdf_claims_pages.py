"""MDF claim pages, proof files and the API: the portal's claim form with several files, bad
uploads (nothing stored), the claim page and its downloads (another partner gets 404, local disk
and S3), the console's queue (constant queries) and review buttons, ``/api/v1/mdf/claims``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from channelops.mdf import claim_services as svc
from channelops.mdf.models import Claim, ClaimStatus, ProofFile

from .assets_helpers import pdf, png
from .s3server import s3_server  # noqa: F401  (the fixture)
from .test_assets import _s3_settings
from .test_files import zip_bomb_docx
from .test_mdf_claims import NOW, World, invoice, photo, stored_files

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def w() -> World:
    return World()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _zip() -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a.txt", "hello")
    return out.getvalue()


def _form(amount="1200.00", **files):
    return {"amount": amount, "currency": "USD", "note": "Venue and catering", **files}


# --- portal -------------------------------------------------------------------------------------


def test_the_portal_form_sends_a_claim_with_several_files(w, login, media):
    client = login(w.submitter)
    page = client.get(f"/portal/mdf/claims/new/{w.proposal.number}/")
    assert page.status_code == 200 and "4,000.00" in page.content.decode()
    response = client.post(
        f"/portal/mdf/claims/new/{w.proposal.number}/",
        _form(
            proof_invoice=[upload("inv-1.pdf", pdf()), upload("inv-2.pdf", pdf())],
            proof_photo=[upload("booth.png", png(), "image/png")],
            proof_attendees=[upload("attendees.csv", b"name,company\nAda,Initech\n", "text/csv")],
        ),
    )
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/mdf/claims/{claim.number}/"
    assert sorted(claim.proof_files.values_list("kind", flat=True)) == [
        "attendees",
        "invoice",
        "invoice",
        "photo",
    ]
    assert len(stored_files(media)) == 4
    page = client.get(response["Location"]).content.decode()
    assert claim.number in page and "inv-2.pdf" in page and "Waiting for review" in page
    f = claim.proof_files.get(filename="booth.png")
    download = client.get(f"/portal/mdf/claims/{claim.number}/files/{f.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:4] == b"\x89PNG"
    assert download["Content-Security-Policy"] == "sandbox"


BAD_UPLOADS = [
    ("wrong type by content", upload("invoice.pdf", _zip(), "application/pdf"), "not accepted"),
    ("renamed executable", upload("invoice.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 200), "not accepted"),
    ("zip bomb as a document", upload("invoice.docx", zip_bomb_docx()), ""),
]


@pytest.mark.parametrize(("case", "bad", "message"), BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_a_bad_upload_refuses_the_claim_and_stores_nothing(w, login, media, case, bad, message):
    client = login(w.submitter)
    response = client.post(
        f"/portal/mdf/claims/new/{w.proposal.number}/",
        _form(proof_invoice=[upload("good.pdf", pdf()), bad]),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "alert-danger" in page and message in page
    assert Claim.objects.count() == 0 and ProofFile.objects.count() == 0
    assert stored_files(media) == []


def test_nul_and_a_path_in_a_name_and_a_too_large_file_are_refused_by_the_service(w, media, settings):
    settings.UPLOAD_LIMITS_MB = {"proof": 0.001}
    with pytest.raises(Exception) as exc:
        svc.claim_submit(
            proposal=w.proposal,
            by=w.submitter,
            amount="10",
            files=[("invoice", ("big.pdf", pdf() + b"\0" * 2048))],
        )
    assert "larger than 0.001 MB" in str(exc.value)
    settings.UPLOAD_LIMITS_MB = {}
    with pytest.raises(Exception) as exc:
        svc.claim_submit(
            proposal=w.proposal, by=w.submitter, amount="10", files=[("invoice", ("inv\x00.pdf", pdf()))]
        )
    assert "control characters" in str(exc.value)
    with pytest.raises(Exception) as exc:
        svc.claim_submit(
            proposal=w.proposal, by=w.submitter, amount="10", files=[("invoice", ("../../etc/x.pdf", pdf()))]
        )
    assert "folder path" in str(exc.value)
    assert Claim.objects.count() == 0 and stored_files(media) == []


def test_over_the_approved_amount_the_form_says_how_much_is_left(w, login):
    client = login(w.submitter)
    response = client.post(
        f"/portal/mdf/claims/new/{w.proposal.number}/",
        _form("4000.01", proof_invoice=[upload("i.pdf", pdf())]),
    )
    assert response.status_code == 400 and "At most 4,000.00 USD is left" in response.content.decode()


def test_people_who_may_not_claim_and_other_partners_get_404(w, login):
    claim = svc.claim_submit(proposal=w.proposal, by=w.submitter, amount="100", files=[invoice()])
    f = claim.proof_files.get()
    viewer = login(w.viewer)
    assert viewer.get(f"/portal/mdf/claims/new/{w.proposal.number}/").status_code == 404
    assert viewer.get(f"/portal/mdf/claims/{claim.number}/").status_code == 200  # may see, not claim
    other = login(w.other)
    for url in (
        f"/portal/mdf/claims/new/{w.proposal.number}/",
        f"/portal/mdf/claims/{claim.number}/",
        f"/portal/mdf/claims/{claim.number}/files/{f.pk}/",
    ):
        assert other.get(url).status_code == 404, url
    assert claim.number not in other.get("/portal/mdf/claims/").content.decode()


def test_more_proof_is_added_from_the_claim_page(w, login):
    claim = svc.claim_submit(proposal=w.proposal, by=w.submitter, amount="100", files=[invoice()])
    svc.claim_request_proof(claim=claim, by=w.marketing, comment="The attendee list, please.")
    client = login(w.submitter)
    page = client.get(f"/portal/mdf/claims/{claim.number}/").content.decode()
    assert "The attendee list, please." in page and "Add the proof and send again" in page
    response = client.post(
        f"/portal/mdf/claims/{claim.number}/",
        {"proof_attendees": [upload("list.csv", b"name\nAda\n", "text/csv")], "note": "Here it is"},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED and claim.proof_files.count() == 2


# --- console -----------------------------------------------------------------------------------


def test_the_review_queue_shows_what_to_act_on_with_constant_queries(w, login, django_assert_max_num_queries):
    client = login(w.marketing)

    def make(n: int) -> None:
        for _ in range(n):
            svc.claim_submit(proposal=w.proposal, by=w.submitter, amount="10", files=[invoice()])

    make(2)
    client.get("/console/mdf/claims/")
    with django_assert_max_num_queries(30) as ctx:
        client.get("/console/mdf/claims/")
    baseline = len(ctx.captured_queries)
    make(6)
    done = svc.claim_submit(proposal=w.proposal, by=w.submitter, amount="10", files=[invoice()])
    svc.claim_reject(claim=done, by=w.marketing, reason="duplicate")
    with django_assert_max_num_queries(baseline):
        page = client.get("/console/mdf/claims/").content.decode()
    assert page.count("CLM-") >= 8 and done.number not in page
    assert done.number in client.get("/console/mdf/claims/?status=rejected").content.decode()


def test_the_console_claim_page_reviews_and_records_the_payment(w, login):
    claim = svc.claim_submit(proposal=w.proposal, by=w.submitter, amount="500", files=[invoice(), photo()])
    cam = login(w.cam)
    page = cam.get(f"/console/mdf/claims/{claim.number}/").content.decode()
    assert claim.number in page and "Approve the claim" not in page  # a CAM only follows
    assert cam.post(f"/console/mdf/claims/{claim.number}/approve/").status_code == 403
    f = claim.proof_files.first()
    assert cam.get(f"/console/mdf/claims/{claim.number}/files/{f.pk}/").status_code == 200
    client = login(w.marketing)
    page = client.get(f"/console/mdf/claims/{claim.number}/").content.decode()
    assert "Approve the claim" in page and "Ask for more proof" in page and "Reject the claim" in page
    bad = client.post(f"/console/mdf/claims/{claim.number}/approve/", {"amount": "600"})
    assert bad.status_code == 400 and "Approve at most the claimed 500.00" in bad.content.decode()
    ok = client.post(f"/console/mdf/claims/{claim.number}/approve/", {"amount": "450", "comment": ""})
    assert ok.status_code == 302
    page = client.get(f"/console/mdf/claims/{claim.number}/").content.decode()
    assert "Record the payment" in page
    paid = client.post(
        f"/console/mdf/claims/{claim.number}/payment/", {"paid_on": "2026-12-15", "reference": "SEPA-1"}
    )
    assert paid.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.amount, claim.payment_reference) == (ClaimStatus.PAID, D("450.00"), "SEPA-1")


def test_partner_people_cannot_reach_the_console_pages(w, login):
    claim = svc.claim_submit(proposal=w.proposal, by=w.submitter, amount="500", files=[invoice()])
    client = login(w.admin)
    for url in ("/console/mdf/claims/", f"/console/mdf/claims/{claim.number}/"):
        assert client.get(url).status_code in (302, 403)
    assert client.post(f"/console/mdf/claims/{claim.number}/approve/").status_code in (302, 403)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


# --- S3 --------------------------------------------------------------------------------------------


def test_on_s3_the_proof_is_a_short_lived_signed_url_after_the_check(w, login, s3_server):  # noqa: F811
    import requests

    with override_settings(STORAGES=_s3_settings(s3_server, "mdf-proof-test"), S3_URL_EXPIRE=60):
        claim = svc.claim_submit(proposal=w.proposal, by=w.submitter, amount="100", files=[invoice()])
        f = claim.proof_files.get()
        url = f"/portal/mdf/claims/{claim.number}/files/{f.pk}/"
        refused = login(w.other).get(url)
        assert refused.status_code == 404 and "Location" not in refused
        ok = login(w.viewer).get(url)
        assert ok.status_code == 302 and "X-Amz-Expires=60" in ok["Location"]
        assert requests.get(ok["Location"], timeout=10).content.startswith(b"%PDF")
        staff = login(w.cam).get(f"/console/mdf/claims/{claim.number}/files/{f.pk}/")
        assert staff.status_code == 302
        assert requests.get(ok["Location"].split("?")[0], timeout=10).status_code == 403


# --- API -----------------------------------------------------------------------------------------


def test_the_api_creates_lists_and_reads_claims_of_the_own_partner(w, api_client, media):
    api = api_client(w.submitter)
    response = api.post(
        "/api/v1/mdf/claims",
        {
            "proposal": w.proposal.number,
            "amount": "750.00",
            "note": "API claim",
            "invoice": [upload("inv.pdf", pdf())],
            "photo": [upload("a.png", png()), upload("b.png", png())],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("CLM-") and body["amount"] in ("750.00", "750", 750.0)
    assert sorted(f["kind"] for f in body["files"]) == ["invoice", "photo", "photo"]
    listed = api.get("/api/v1/mdf/claims").json()
    assert [c["number"] for c in listed["items"]] == [body["number"]]
    assert api.get(f"/api/v1/mdf/claims/{body['number']}").status_code == 200
    # Same rules as the page: no invoice, over the amount, a bad file.
    for data in (
        {"proposal": w.proposal.number, "amount": "10", "photo": [upload("a.png", png())]},
        {"proposal": w.proposal.number, "amount": "5000", "invoice": [upload("inv.pdf", pdf())]},
        {"proposal": w.proposal.number, "amount": "10", "invoice": [upload("inv.pdf", b"MZ\x90\x00" * 64)]},
    ):
        refused = api.post("/api/v1/mdf/claims", data)
        assert refused.status_code == 422, refused.content
    assert Claim.objects.count() == 1 and len(stored_files(media)) == 3
    # Another partner: nothing listed, 404 on the claim and the proposal.
    other = api_client(w.other)
    assert other.get("/api/v1/mdf/claims").json()["items"] == []
    assert other.get(f"/api/v1/mdf/claims/{body['number']}").status_code == 404
    created = other.post(
        "/api/v1/mdf/claims",
        {"proposal": w.proposal.number, "amount": "10", "invoice": [upload("inv.pdf", pdf())]},
    )
    assert created.status_code == 404
    # Staff with view see every claim.
    assert len(api_client(w.cam).get("/api/v1/mdf/claims").json()["items"]) == 1


def test_claim_deadline_message_on_the_form(w, login, clock):
    clock.move_to(datetime.datetime(2027, 2, 10, 9, 0, tzinfo=datetime.UTC))
    page = login(w.submitter).get(f"/portal/mdf/claims/new/{w.proposal.number}/").content.decode()
    assert "claims are no longer accepted" in page


def test_the_claims_section_of_a_proposal_page_shows_totals_deadline_and_allowed_buttons(w, rf):
    from django.template.loader import render_to_string

    svc.claim_submit(proposal=w.proposal, by=w.submitter, amount="1000", files=[invoice()])

    def section(user) -> str:
        request = rf.get("/")
        request.user = user
        claims = list(w.proposal.claims.all())
        return render_to_string(
            "mdf/_claims_section.html", {"proposal": w.proposal, "claims": claims}, request
        )

    html = section(w.submitter)
    assert "3,000.00 USD" in html and "Claim funds" in html and "/portal/mdf/claims/CLM-" in html
    assert "Claim funds" not in section(w.viewer)  # may see, may not claim
    staff = section(w.marketing)
    assert "Claim funds" not in staff and "/console/mdf/claims/CLM-" in staff
