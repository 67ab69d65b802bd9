from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "servewell.desk"
    label = "desk"
    verbose_name = "Desk"

    def ready(self) -> None:
        from servewell.contacts import access as contacts_access
        from servewell.contacts import contacts as contacts_domain
        from servewell.contacts import privacy as contacts_privacy
        from servewell.core import contract
        from servewell.desk import access, collisions, contacts, privacy, webform  # noqa: F401
        from servewell.people.access import Perm

        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.desk.urls",
                nav=(
                    contract.NavItem("Inbox", "desk-inbox", access.DESK_VIEW),
                    contract.NavItem("Search", "desk-search", access.DESK_VIEW),
                    contract.NavItem("Macros", "desk-macros", access.DESK_ADMIN, section="admin"),
                    contract.NavItem(
                        "Desk settings", "desk-settings", Perm.TEAM_SETTINGS, section="admin"
                    ),
                ),
                grants=access.GRANTS,
                demo=(contract.DemoStep(30, "servewell.desk.demo:load_desk_demo"),),
                bench="servewell.desk.bench",
                # An open conversation watches it over the live stream; a page without
                # one (reconnecting, a server that cannot stream) polls every 5 s.
                polls=(r"/desk/c/\d+/presence/",),
                watches=(
                    contract.LiveWatch(
                        "conversation",
                        enter=collisions.watch_enter,
                        state=collisions.watch_state,
                        renew=collisions.watch_renew,
                        leave=collisions.watch_leave,
                        renew_s=collisions.RENEW_S,
                    ),
                ),
                extends={
                    contacts_access.CONTACT_SCOPES: (access.contact_scope,),
                    contacts_domain.CONTACT_INDEXERS: (contacts.index_changed,),
                    contacts_domain.CONTACT_MERGERS: (contacts.move_on_merge,),
                    contacts_privacy.EXPORTERS: (privacy.EXPORTER,),
                    contacts_privacy.CONTACT_ERASERS: privacy.ERASERS,
                },
            )
        )
