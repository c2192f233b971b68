"""factory_boy factories for the domain models."""

import factory
from factory.django import DjangoModelFactory

from readinglist import models
from readinglist.services.accounts import personal_library


class UserFactory(DjangoModelFactory[models.User]):
    class Meta:
        model = models.User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def library(obj: models.User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            personal_library(obj)


class PaperFactory(DjangoModelFactory[models.Paper]):
    class Meta:
        model = models.Paper

    title = factory.Sequence(lambda n: f"A study of thing {n}")
    authors = factory.LazyFunction(lambda: ["Ada Lovelace", "Alan Turing"])
    abstract = "We study things."
    url = factory.Sequence(lambda n: f"https://arxiv.org/abs/2401.{n:05d}")
    identifier = factory.RelatedFactory(
        "tests.factories.PaperIdentifierFactory", factory_related_name="paper"
    )


class PaperIdentifierFactory(DjangoModelFactory[models.PaperIdentifier]):
    class Meta:
        model = models.PaperIdentifier

    paper = factory.SubFactory(PaperFactory, identifier=None)
    scheme = models.PaperIdentifier.Scheme.ARXIV
    value = factory.Sequence(lambda n: f"2401.{n:05d}")


class EntryFactory(DjangoModelFactory[models.Entry]):
    class Meta:
        model = models.Entry

    paper = factory.SubFactory(PaperFactory)
    added_by = factory.SubFactory(UserFactory)
    library = factory.LazyAttribute(lambda o: personal_library(o.added_by))
    # What the library sees: the paper's registry metadata, as `refresh_fields` would set it.
    title = factory.LazyAttribute(lambda o: o.paper.title)
    authors = factory.LazyAttribute(lambda o: list(o.paper.authors))
    abstract = factory.LazyAttribute(lambda o: o.paper.abstract)
    url = factory.LazyAttribute(lambda o: o.paper.url)
