"""Input and output shapes of the academy API."""

from __future__ import annotations

from rest_framework import serializers

from servewell.academy.models import (
    MAX_REACHED,
    Choice,
    Cohort,
    Course,
    CourseVersion,
    Endorsement,
    Lesson,
    Question,
    QuizAttempt,
    TeachBack,
    TeachBackComment,
)


class AcademyCourseIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class AcademyChoiceIn(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    correct = serializers.BooleanField(default=False)


class AcademyQuestionIn(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    kind = serializers.ChoiceField(choices=Question.Kind.choices, default="single")
    choices = AcademyChoiceIn(many=True)


class AcademyLessonIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=100_000, help_text="Markdown; no scripts.")
    community = serializers.ChoiceField(choices=Lesson.Community.choices, default="work_only")
    community_body = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100_000
    )
    pass_mark = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    max_attempts = serializers.IntegerField(min_value=1, max_value=10, default=3)
    reflections = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list, max_length=20
    )
    questions = AcademyQuestionIn(many=True, required=False, default=list)


class AcademyLessonPatch(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(max_length=100_000, required=False)
    community = serializers.ChoiceField(choices=Lesson.Community.choices, required=False)
    community_body = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    pass_mark = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    max_attempts = serializers.IntegerField(min_value=1, max_value=10, required=False)


class AcademyChoiceOut(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["id", "text"]


class AcademyQuestionOut(serializers.ModelSerializer):
    choices = AcademyChoiceOut(many=True)

    class Meta:
        model = Question
        fields = ["id", "text", "kind", "choices"]


class AcademyLessonOut(serializers.ModelSerializer):
    reflections = serializers.SlugRelatedField(many=True, read_only=True, slug_field="text")
    questions = AcademyQuestionOut(many=True)

    class Meta:
        model = Lesson
        fields = [
            "id", "key", "position", "title", "body", "community", "community_body",
            "pass_mark", "max_attempts", "reflections", "questions", "stories",
        ]  # fmt: skip


class AcademyVersionOut(serializers.ModelSerializer):
    lessons = AcademyLessonOut(many=True)

    class Meta:
        model = CourseVersion
        fields = ["id", "course", "number", "state", "community_title", "published_at", "lessons"]


class AcademyVersionSummary(serializers.ModelSerializer):
    class Meta:
        model = CourseVersion
        fields = ["id", "number", "state", "published_at"]


class AcademyCourseOut(serializers.ModelSerializer):
    versions = AcademyVersionSummary(many=True)

    class Meta:
        model = Course
        fields = ["id", "title", "summary", "created_at", "versions"]


class AcademyPublishIn(serializers.Serializer):
    community_title = serializers.CharField(required=False, allow_blank=True, max_length=200)


class AcademyCohortIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1)
    teachback_due = serializers.DateField()
    min_attendance = serializers.IntegerField(min_value=0, max_value=100, default=75)
    require_quiz = serializers.BooleanField(default=True)
    require_teachback = serializers.BooleanField(default=True)


class AcademyCohortOut(serializers.ModelSerializer):
    class Meta:
        model = Cohort
        fields = [
            "id", "name", "version", "trainer", "created_at", "teachback_due",
            "min_attendance", "require_quiz", "require_teachback", "finished_at",
        ]  # fmt: skip


class AcademyEnrolIn(serializers.Serializer):
    people = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=500
    )
    team = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class AcademyEnrolOut(serializers.Serializer):
    enrolled = serializers.IntegerField()


class AcademySessionIn(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    topic = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class AcademySessionOut(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    topic = serializers.CharField()


class AcademyAttendanceIn(serializers.Serializer):
    present = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=5000, help_text="Learner ids."
    )


class AcademyCountOut(serializers.Serializer):
    count = serializers.IntegerField()


class AcademyQuizAnswerIn(serializers.Serializer):
    question = serializers.IntegerField(min_value=1)
    choices = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=10)


class AcademyQuizIn(serializers.Serializer):
    cohort = serializers.IntegerField(min_value=1)
    answers = AcademyQuizAnswerIn(many=True, max_length=100)


class AcademyAttemptOut(serializers.ModelSerializer):
    class Meta:
        model = QuizAttempt
        fields = ["id", "lesson", "number", "score", "passed", "taken_at"]


class AcademyReflectionAnswerIn(serializers.Serializer):
    reflection = serializers.IntegerField(min_value=1)
    text = serializers.CharField(allow_blank=True, max_length=10_000)


class AcademyReflectionsIn(serializers.Serializer):
    cohort = serializers.IntegerField(min_value=1)
    answers = AcademyReflectionAnswerIn(many=True, max_length=20)


class AcademyTeachBackIn(serializers.Serializer):
    taught_on = serializers.DateField()
    setting = serializers.ChoiceField(choices=TeachBack.Setting.choices)
    people_reached = serializers.IntegerField(min_value=1, max_value=MAX_REACHED)
    what_happened = serializers.CharField(max_length=20_000)
    reflection = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20_000
    )


class AcademyCommentOut(serializers.ModelSerializer):
    class Meta:
        model = TeachBackComment
        fields = ["id", "author", "body", "created_at"]


class AcademyCommentIn(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class AcademyTeachBackOut(serializers.ModelSerializer):
    learner = serializers.IntegerField(source="enrolment.learner_id")
    cohort = serializers.IntegerField(source="enrolment.cohort_id")
    comments = AcademyCommentOut(many=True)

    class Meta:
        model = TeachBack
        fields = [
            "id", "learner", "cohort", "due_on", "taught_on", "setting", "people_reached",
            "what_happened", "reflection", "filed_at", "acknowledged_at", "comments",
        ]  # fmt: skip


class AcademyEndorseIn(serializers.Serializer):
    observed = serializers.ChoiceField(choices=Endorsement.Observed.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class AcademyEndorsementOut(serializers.ModelSerializer):
    class Meta:
        model = Endorsement
        fields = ["id", "trainee", "endorser", "observed", "teachback", "note", "created_at"]


class AcademyReachOut(serializers.Serializer):
    person = serializers.IntegerField()
    trained = serializers.IntegerField(help_text="Distinct people below, trained at work.")
    generations = serializers.IntegerField()
    reports = serializers.IntegerField(help_text="Distinct teach-back reports in the subtree.")
    reached = serializers.IntegerField(help_text="People reached in the community.")
    by_generation = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField())
    )


class AcademyReportRowOut(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField()
    completed = serializers.DateTimeField(allow_null=True)
    before = serializers.FloatField(allow_null=True)
    before_reviews = serializers.IntegerField()
    after = serializers.FloatField(allow_null=True)
    after_reviews = serializers.IntegerField()
    change = serializers.FloatField(allow_null=True)
