from django.apps import AppConfig


class ExperienceConfig(AppConfig):
    name = "servewell.experience"
    label = "experience"
    verbose_name = "Experience: surveys, team pulse and kudos"

    def ready(self) -> None:
        from servewell.contacts.privacy import CONTACT_ERASERS
        from servewell.core import contract
        from servewell.core.digest import DIGEST_SECTIONS
        from servewell.experience import (  # noqa: F401  (events and jobs register on import)
            access,
            digest,
            figures,
            jobs,
            kudos,
            panels,
            privacy,
            pulse,
            queries,
            subscribers,
            surveys,
        )
        from servewell.quality.sampling import RATING_SOURCES

        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.experience.urls",
                nav=(
                    contract.NavItem("Experience", "experience-home", access.EXPERIENCE_VIEW),
                    contract.NavItem(
                        "Experience settings",
                        "experience-settings",
                        access.EXPERIENCE_MANAGE,
                        section="admin",
                    ),
                ),
                grants=access.GRANTS,
                styles=("experience/experience.css",),
                demo=(contract.DemoStep(60, "servewell.experience.demo:load_experience_demo"),),
                bench="servewell.experience.bench",
                panels=(
                    contract.Panel(
                        contract.Slot.CONTACT,
                        "ratings",
                        "Ratings",
                        "experience/_contact_panel.html",
                        context=panels.contact_ratings,
                        perm=access.EXPERIENCE_VIEW,
                    ),
                    contract.Panel(
                        contract.Slot.PERSON,
                        "experience",
                        "Customer ratings and kudos",
                        "experience/_person_panel.html",
                        context=panels.person_experience,
                        perm=access.EXPERIENCE_VIEW,
                    ),
                ),
                figures=figures.FIGURES,
                extends={
                    CONTACT_ERASERS: (privacy.erase_contact_surveys,),
                    RATING_SOURCES: (queries.rated_at_most,),
                    DIGEST_SECTIONS: digest.SECTIONS,
                },
            )
        )
