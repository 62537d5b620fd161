"""Methods no page takes: every URL answers 405 to them, never the page or a file.

The portal's pages take GET (and HEAD) and POST. OPTIONS and TRACE once got the page, OPTIONS
on a download got the file, and PUT or DELETE on the import page got the page with 200.
"""

from django.urls import reverse

from personnel.models import Staff
from tests.conftest import SignedInClient, drained, served_url_names
from tests.factories import url_kwargs

REFUSED = ("OPTIONS", "TRACE", "PUT", "DELETE", "PATCH", "CONNECT")


def test_it_answers_405_on_every_url_to_every_other_method(world):
    kwargs = url_kwargs(world)
    failures = []
    for persona in ("anonymous", "reviewer", "administrator"):
        client = SignedInClient()
        if world.users[persona] is not None:
            client.force_login(world.users[persona])
        for name in served_url_names():
            url = reverse(name, kwargs=kwargs.get(name))
            for method in REFUSED:
                response = drained(client.generic(method, url))
                if response.status_code != 405 or response["Allow"] != "GET, HEAD, POST":
                    failures.append(f"{method} {url} as {persona}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_it_gives_no_file_to_an_options_request(client, world):
    client.force_login(world.users["reviewer"])
    url = reverse("exports:download", args=[world.export.pk])

    response = drained(client.options(url))

    assert response.status_code == 405
    assert "Content-Disposition" not in response
    assert response.content == b""
    assert drained(client.get(url)).status_code == 200


def test_it_refuses_put_and_delete_on_the_import_page(client, reviewer):
    client.force_login(reviewer)
    url = reverse("personnel:import")
    staff = b"staff_code,full_name,agency_code,category\nS001,Nguyen Van A,P-A,cong_chuc\n"

    put = client.put(url, staff, content_type="text/csv")
    delete = client.delete(url)

    assert (put.status_code, delete.status_code) == (405, 405)
    assert Staff.objects.count() == 0
    assert client.get(url).status_code == 200
