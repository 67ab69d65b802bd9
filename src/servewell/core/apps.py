from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "servewell.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from servewell.core import contract, jobs, webhooks  # noqa: F401
        from servewell.core.access import CorePerm

        contract.register(
            contract.AppContract(
                label=self.label,
                nav=(
                    contract.NavItem(
                        "Audit log", "audit-log", CorePerm.AUDIT_VIEW, section="admin"
                    ),
                    contract.NavItem(
                        "Failed jobs", "failed-jobs", CorePerm.JOBS_MANAGE, section="admin"
                    ),
                    contract.NavItem(
                        "Webhooks", "webhooks", CorePerm.WEBHOOKS_MANAGE, section="admin"
                    ),
                ),
            )
        )
