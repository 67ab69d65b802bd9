"""Data-subject requests: the contact page's Privacy section and its API."""

from django.urls import path

from servewell.contacts import privacy_api, privacy_views

urlpatterns = [
    path(
        "desk/contacts/<int:pk>/export/",
        privacy_views.contact_export,
        name="desk-contact-export",
    ),
    path("desk/contacts/<int:pk>/erase/", privacy_views.contact_erase, name="desk-contact-erase"),
    path(
        "api/contacts/<int:pk>/export/",
        privacy_api.ContactExportView.as_view(),
        name="api-contact-export",
    ),
    path(
        "api/contacts/<int:pk>/erase/",
        privacy_api.ContactEraseView.as_view(),
        name="api-contact-erase",
    ),
]
