"""REST API for people, teams, presence and tokens: input serializers validate the
shape, domain functions validate the meaning, output serializers render."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servewell.core.access import CorePerm
from servewell.core.api import validated
from servewell.core.clientip import client_ip
from servewell.core.errors import DomainError
from servewell.people import accounts, directory, presence, queries, teams, tokens
from servewell.people.access import Perm, access_person, access_team
from servewell.people.models import ApiToken, Membership, Presence, Role, Team, User


class PersonOut(serializers.ModelSerializer):
    # Declared, not derived from the model: the model's validator pattern (``^[\w.@+-]+$``)
    # means any script's letters in Python but ASCII only in JSON Schema, so the derived
    # schema rejected usernames such as "zoë" that the API accepts and returns.
    username = serializers.CharField(
        read_only=True, help_text="Letters of any script, digits and @/./+/-/_."
    )
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "display_name",
            "time_zone",
            "roles",
            "presence",
            "presence_changed_at",
            "is_active",
        ]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(g.role for g in obj.role_grants.all())


class PersonIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC")
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False, default=list
    )


class PersonPatch(serializers.Serializer):
    email = serializers.EmailField(required=False)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    time_zone = serializers.CharField(max_length=64, required=False)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False
    )
    is_active = serializers.BooleanField(required=False)


class TokenOut(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]


class TokenCreated(TokenOut):
    token = serializers.CharField(help_text="Shown only in this response.")

    class Meta(TokenOut.Meta):
        fields = [*TokenOut.Meta.fields, "token"]


class TokenIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class PeopleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", help_text="Part of a name or email.")
    role = django_filters.ChoiceFilter(choices=Role.choices, field_name="role_grants__role")

    class Meta:
        model = User
        fields = {"is_active": ["exact"], "presence": ["exact"]}

    def search(self, queryset, name: str, value: str):
        return queries.search_people(queryset, value)


class PeopleViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """People the caller may see. Admins create, change and deactivate."""

    serializer_class = PersonOut
    access = Perm.PEOPLE_VIEW
    access_by_action = {
        "create": Perm.PEOPLE_MANAGE,
        "partial_update": Perm.PEOPLE_MANAGE,
        "destroy": Perm.PEOPLE_MANAGE,
        "invite": Perm.PEOPLE_MANAGE,
        "resend_invitation": Perm.PEOPLE_MANAGE,
        "issue_token": Perm.PEOPLE_MANAGE,
    }
    filterset_class = PeopleFilter
    ordering = "id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return queries.list_people(self.request.user, active=None).order_by("id")

    def get_object(self) -> User:
        return access_person(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PersonOut(self.get_object()).data)

    @extend_schema(
        request=PersonIn,
        responses={201: PersonOut},
        description="Same as `invite/`: nobody sets another person's password.",
    )
    def create(self, request: Request) -> Response:
        return self.invite(request)

    @extend_schema(
        request=PersonIn,
        responses={201: PersonOut},
        description="Add a person and email them a signed link (valid `INVITATION_DAYS`) to "
        "choose their password. A service account is not invited: issue its token with "
        "`tokens/`.",
    )
    @action(detail=False, methods=["post"])
    def invite(self, request: Request) -> Response:
        data = validated(PersonIn, request.data)
        person = accounts.invite_person(request.user, **data)
        return Response(PersonOut(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={202: None},
        description="Email a new set-password link; the links sent before stop working. "
        "409 once the person has chosen a password.",
    )
    @action(detail=True, methods=["post"], url_path="resend-invitation")
    def resend_invitation(self, request: Request, pk: str) -> Response:
        accounts.resend_invitation(request.user, get_object_or_404(User, pk=pk))
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=TokenIn,
        responses={201: TokenCreated},
        description="Issue a token for a service account (shown only in this response).",
    )
    @action(detail=True, methods=["post"], url_path="tokens")
    def issue_token(self, request: Request, pk: str) -> Response:
        person = get_object_or_404(User, pk=pk)
        if not person.has_role(Role.SERVICE):
            raise DomainError("invalid", "Tokens are issued for service accounts only.")
        data = validated(TokenIn, request.data)
        token, raw = tokens.create_token(person, name=data["name"], actor=request.user)
        token.token = raw
        return Response(TokenCreated(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PersonPatch, responses={200: PersonOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        data = validated(PersonPatch, request.data)
        person = directory.update_person(request.user, get_object_or_404(User, pk=pk), **data)
        return Response(PersonOut(person).data)

    @extend_schema(
        responses={204: None},
        description="Deactivate: the person can no longer sign in; their history stays.",
    )
    def destroy(self, request: Request, pk: str) -> Response:
        directory.update_person(request.user, get_object_or_404(User, pk=pk), is_active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberOut(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.display_name")

    class Meta:
        model = Membership
        fields = ["user", "username", "display_name", "is_lead", "joined_at"]


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$",
        "example": "09:00:00",
        "description": "A time of day on the team's clock (its calendar's time zone).",
    }
)
class WallClockTimeField(serializers.TimeField):
    """Opening hours are wall-clock times in the team's time zone, so they carry no UTC
    offset. DRF's default schema for a time is JSON Schema's ``time`` format, which is
    RFC 3339's and requires an offset: "09:00:00" — what the API sends — broke it."""


class HoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    opens = WallClockTimeField()
    closes = WallClockTimeField()


class ClosedDaySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    date = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CalendarSerializer(serializers.Serializer):
    time_zone = serializers.CharField(max_length=64)
    holiday_country = serializers.CharField(max_length=2, allow_blank=True, required=False)
    holiday_subdivision = serializers.CharField(max_length=10, allow_blank=True, required=False)
    hours = HoursSerializer(many=True)
    closed_days = ClosedDaySerializer(many=True, read_only=True)


class TeamOut(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "slug",
            "email",
            "description",
            "is_active",
            "member_count",
            "created_at",
        ]


class TeamIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC")


class TeamPatch(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class MemberIn(serializers.Serializer):
    user = serializers.IntegerField()
    is_lead = serializers.BooleanField(required=False, default=False)


def _calendar_data(team: Team) -> dict:
    cal = team.calendar
    return CalendarSerializer(
        {
            "time_zone": cal.time_zone,
            "holiday_country": cal.holiday_country,
            "holiday_subdivision": cal.holiday_subdivision,
            "hours": cal.hours.all(),
            "closed_days": cal.closed_days.all(),
        }
    ).data


class TeamViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """Teams the caller may see; admins create, leads and managers change their teams."""

    # The model the schema documents; rows always come from get_queryset (scoped).
    queryset = Team.objects.none()
    serializer_class = TeamOut
    access = Perm.TEAMS_VIEW
    access_by_action = {"create": Perm.TEAMS_MANAGE}
    ordering = "id"

    def get_queryset(self):
        return queries.list_teams(self.request.user).order_by("id")

    def retrieve(self, request: Request, pk: str) -> Response:
        team = queries.list_teams(request.user).filter(pk=access_team(request.user, pk).pk)
        return Response(TeamOut(team.get()).data)

    @extend_schema(request=TeamIn, responses={201: TeamOut})
    def create(self, request: Request) -> Response:
        data = validated(TeamIn, request.data)
        team = teams.create_team(request.user, **data)
        team.member_count = 0
        return Response(TeamOut(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TeamPatch, responses={200: TeamOut})
    def partial_update(self, request: Request, pk: str) -> Response:
        team = access_team(request.user, pk, manage=True)
        data = validated(TeamPatch, request.data)
        teams.update_team(request.user, team, **data)
        return self.retrieve(request, pk)

    @extend_schema(request=MemberIn, responses={200: MemberOut(many=True)})
    # Every member in one plain list; without this the schema promised a page object.
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def members(self, request: Request, pk: str) -> Response:
        team = access_team(request.user, pk, manage=request.method == "POST")
        if request.method == "POST":
            data = validated(MemberIn, request.data)
            person = get_object_or_404(User, pk=data["user"], is_active=True)
            teams.add_member(request.user, team, person, is_lead=data["is_lead"])
        return Response(MemberOut(queries.team_members(team), many=True).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path="members/<int:user_id>")
    def remove_member(self, request: Request, pk: str, user_id: str) -> Response:
        team = access_team(request.user, pk, manage=True)
        teams.remove_member(request.user, team, get_object_or_404(User, pk=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=CalendarSerializer, responses={200: CalendarSerializer})
    @action(detail=True, methods=["get", "put"])
    def calendar(self, request: Request, pk: str) -> Response:
        team = access_team(request.user, pk, manage=request.method == "PUT")
        if request.method == "PUT":
            data = validated(CalendarSerializer, request.data)
            v = data
            teams.set_calendar(
                request.user,
                team,
                time_zone=v["time_zone"],
                holiday_country=v.get("holiday_country"),
                holiday_subdivision=v.get("holiday_subdivision"),
                hours=[(h["weekday"], h["opens"], h["closes"]) for h in v["hours"]],
            )
        return Response(_calendar_data(team))

    @extend_schema(request=ClosedDaySerializer, responses={201: ClosedDaySerializer})
    @action(detail=True, methods=["post"], url_path="closed-days")
    def closed_days(self, request: Request, pk: str) -> Response:
        team = access_team(request.user, pk, manage=True)
        data = validated(ClosedDaySerializer, request.data)
        day = teams.add_closed_day(request.user, team, **data)
        return Response(ClosedDaySerializer(day).data, status=status.HTTP_201_CREATED)


class PresenceIn(serializers.Serializer):
    presence = serializers.ChoiceField(choices=Presence.choices)


class MeView(APIView):
    """The caller: who they are, their roles, and their presence (PUT to change it)."""

    access = CorePerm.SELF

    @extend_schema(responses={200: PersonOut})
    def get(self, request: Request) -> Response:
        return Response(PersonOut(request.user).data)

    @extend_schema(request=PresenceIn, responses={200: PersonOut})
    def put(self, request: Request) -> Response:
        data = validated(PresenceIn, request.data)
        presence.set_presence(request.user, data["presence"])
        return Response(PersonOut(request.user).data)


class TokenViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """The caller's own API tokens."""

    serializer_class = TokenOut
    access = CorePerm.SELF
    ordering = "-id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(request=TokenIn, responses={201: TokenCreated})
    def create(self, request: Request) -> Response:
        data = validated(TokenIn, request.data)
        token, raw = tokens.create_token(request.user, name=data["name"])
        token.token = raw
        return Response(TokenCreated(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        tokens.revoke_token(get_object_or_404(self.get_queryset(), pk=pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeIn(serializers.Serializer):
    old_password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    new_password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class MyPasswordView(APIView):
    """Change the caller's own password; the current one is required."""

    access = CorePerm.SELF

    @extend_schema(request=PasswordChangeIn, responses={204: None})
    def post(self, request: Request) -> Response:
        data = validated(PasswordChangeIn, request.data)
        accounts.change_password(
            request.user,
            old_password=data["old_password"],
            new_password=data["new_password"],
            ip_address=client_ip(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignatureSerializer(serializers.Serializer):
    signature = serializers.CharField(
        max_length=accounts.MAX_SIGNATURE,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Plain text added under the caller's public replies.",
    )


class MySignatureView(APIView):
    """The caller's signature: GET it, PUT a new one ("" for none)."""

    access = CorePerm.SELF

    @extend_schema(responses={200: SignatureSerializer})
    def get(self, request: Request) -> Response:
        return Response({"signature": accounts.signature_for(request.user)})

    @extend_schema(request=SignatureSerializer, responses={200: SignatureSerializer})
    def put(self, request: Request) -> Response:
        data = validated(SignatureSerializer, request.data)
        user = accounts.set_signature(request.user, data["signature"])
        return Response({"signature": user.signature})
