from importlib import import_module

from django.apps import AppConfig


class LiveQueueConfig(AppConfig):
    name = "servewell.livequeue"
    label = "livequeue"
    verbose_name = "Live queue and all-hands alarm"

    def ready(self) -> None:
        # Domain event names and the periodic alarm check register on import.
        from servewell.contacts.privacy import CONTACT_ERASERS
        from servewell.core import contract, live
        from servewell.livequeue import access, alarm, fanout, feed, intake, privacy, tasks  # noqa: F401
        from servewell.livequeue.access import QUEUE_RULES, QUEUE_VIEW

        live.provide(fanout.publish_topic)  # the stream carries what pages watch
        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.livequeue.urls",
                nav=(
                    contract.NavItem("Wallboard", "queue-wallboard", QUEUE_VIEW),
                    contract.NavItem("Alarms", "queue-alarms", QUEUE_VIEW),
                    contract.NavItem("Presence", "queue-presence", QUEUE_VIEW),
                    contract.NavItem("Queue metrics", "queue-metrics", QUEUE_VIEW),
                    contract.NavItem("Alarm rules", "queue-rules", QUEUE_RULES, section="admin"),
                ),
                grants=access.GRANTS,
                scripts=("livequeue/alarm.js",),
                styles=("livequeue/queue.css",),  # the alarm banner shows on every page
                bench="servewell.livequeue.bench",
                demo=(contract.DemoStep(45, "servewell.livequeue.demo:load_queue_demo", "alarms"),),
                figures=import_module("servewell.livequeue.figures").FIGURES,
                extends={CONTACT_ERASERS: (privacy.erase_queue_calls,)},
                # Every signed-in page opens it, again with each page load: beside Django.
                doors=(contract.StreamDoor("/queue/stream/", "servewell.livequeue.stream:door"),),
                # A phone system's events on ?respond=async: stored at once, derived after.
                fast_routes=(
                    contract.FastRoute(
                        "POST",
                        "/api/queue/events/",
                        "servewell.livequeue.intake:accept_events",
                        query=(("respond", "async"),),
                    ),
                    contract.FastRoute(
                        "POST",
                        "/api/queue/events/batch/",
                        "servewell.livequeue.intake:accept_event_batches",
                        query=(("respond", "async"),),
                    ),
                ),
            )
        )
