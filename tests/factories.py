import factory
from django.contrib.auth import get_user_model

from accounts.models import MailboxAccount
from providers.models import Provider


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        # The hooks below write other rows; the user itself is saved already.
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def email_verified(obj, create, extracted, **kwargs):
        """A confirmed address unless ``email_verified=False`` (status emails need one)."""
        if create:
            from django.utils import timezone

            from users.models import Profile

            verified_at = None if extracted is False else timezone.now()
            Profile.objects.update_or_create(user=obj, defaults={"email_verified_at": verified_at})


class SupportUserFactory(UserFactory):
    class Meta:
        # The group is added through the m2m manager; nothing left to save.
        skip_postgeneration_save = True

    is_staff = True

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        from django.contrib.auth.models import Group

        if create:
            group, _ = Group.objects.get_or_create(name="support")
            self.groups.add(group)


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"provider{n}")
    name_zh = factory.LazyAttribute(lambda p: f"{p.slug} 邮箱")
    name_en = factory.LazyAttribute(lambda p: f"{p.slug} Mail")
    domains = factory.LazyAttribute(lambda p: [f"{p.slug}.test"])
    imap_host = "localhost"
    imap_port = 993
    imap_security = "ssl"
    smtp_host = "localhost"
    smtp_port = 465
    smtp_security = "ssl"


class MailboxAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MailboxAccount

    owner = factory.SubFactory(UserFactory)
    provider = factory.SubFactory(ProviderFactory)
    address = factory.Sequence(lambda n: f"mailbox{n}@example.test")
    password = "abcd-efgh-ijkl-mnop"
