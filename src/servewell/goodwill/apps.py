from django.apps import AppConfig


class GoodwillConfig(AppConfig):
    name = "servewell.goodwill"
    label = "goodwill"
    verbose_name = "Permission to perform: goodwill and daily-choice stories"

    def ready(self) -> None:
        from servewell.contacts.privacy import CONTACT_ERASERS
        from servewell.core import contract
        from servewell.core.digest import DIGEST_SECTIONS
        from servewell.goodwill import access, digest, figures, panels, privacy, tasks  # noqa: F401

        C = contract
        contract.register(
            C.AppContract(
                label=self.label,
                urls="servewell.goodwill.urls",
                nav=(
                    C.NavItem("Goodwill", "goodwill-home", access.GOODWILL_GRANT),
                    C.NavItem("Stories", "goodwill-stories", access.STORIES),
                    C.NavItem("Goodwill reports", "goodwill-reports", access.GOODWILL_REPORTS),
                    C.NavItem(
                        "Goodwill limits",
                        "goodwill-settings",
                        access.GOODWILL_ADMIN,
                        section="admin",
                    ),
                ),
                grants=access.GRANTS,
                scripts=("goodwill/goodwill.js",),
                styles=("goodwill/goodwill.css",),
                demo=(C.DemoStep(70, "servewell.goodwill.demo:load_goodwill_demo", "goodwill"),),
                bench="servewell.goodwill.bench",
                panels=(
                    C.Panel(
                        slot=C.Slot.CONVERSATION,
                        key="goodwill",
                        title="Goodwill",
                        template="goodwill/_conversation_panel.html",
                        context=panels.conversation_panel,
                        perm=access.GOODWILL_GRANT,
                        order=40,
                    ),
                    C.Panel(
                        slot=C.Slot.CONTACT,
                        key="goodwill",
                        title="Goodwill",
                        template="goodwill/_contact_panel.html",
                        context=panels.contact_panel,
                        perm=access.GOODWILL_GRANT,
                        order=40,
                    ),
                ),
                figures=(
                    C.Figure(
                        "goodwill.spend",
                        "Goodwill spend",
                        "Goodwill that took effect in the period, in its most used currency.",
                        "",
                        compute=figures.spend,
                        perm=access.GOODWILL_REPORTS,
                        drill="goodwill-reports",
                        higher_is_better=False,
                    ),
                    C.Figure(
                        "goodwill.without_approval",
                        "Decided on the spot",
                        "Share of goodwill that took effect without an approval.",
                        "%",
                        compute=figures.share_without_approval,
                        perm=access.GOODWILL_REPORTS,
                        drill="goodwill-reports",
                    ),
                    C.Figure(
                        "goodwill.open_requests",
                        "Open goodwill requests",
                        "Requests above a limit waiting for a decision now.",
                        "",
                        compute=figures.open_requests,
                        perm=access.GOODWILL_REPORTS,
                        drill="goodwill-home",
                        higher_is_better=False,
                    ),
                ),
                extends={
                    CONTACT_ERASERS: (privacy.erase_contact_goodwill,),
                    DIGEST_SECTIONS: digest.SECTIONS,
                },
            )
        )
