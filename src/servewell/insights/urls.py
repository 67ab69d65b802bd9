from django.urls import path

from servewell.insights import api, views

urlpatterns = [
    path("insights/", views.home, name="insights-home"),
    path("insights/drill/", views.drill, name="insights-drill"),
    path("insights/themes/<str:pk>/", views.cluster, name="insights-cluster"),
    path("insights/clusters.csv", views.clusters_csv, name="insights-clusters-csv"),
    path("insights/themes.csv", views.themes_csv, name="insights-themes-csv"),
    path("insights/digest/", views.digest_preview, name="insights-digest"),
    path("insights/digest/subscription/", views.digest_subscription, name="insights-digest-sub"),
    path("api/insights/dashboard/", api.DashboardView.as_view(), name="api-insights-dashboard"),
    path("api/insights/drill/", api.DrillView.as_view(), name="api-insights-drill"),
    path("api/insights/themes/", api.ThemesView.as_view(), name="api-insights-themes"),
    path("api/insights/clusters/", api.ClustersView.as_view(), name="api-insights-clusters"),
    path(
        "api/insights/clusters/conversations/",
        api.ClusterView.as_view(),
        name="api-insights-cluster",
    ),
    path("api/insights/digest/", api.DigestView.as_view(), name="api-insights-digest"),
]
