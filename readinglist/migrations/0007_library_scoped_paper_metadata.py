"""Paper metadata becomes the registry's; what libraries contributed moves to their entries.

Until now every save wrote its page metadata into the shared Paper. Each entry now keeps
what its library sees (plain columns), what its library contributed, and its edits; the
Paper keeps only what a registry said. Nothing anyone sees changes here: every entry starts
with the values its paper showed, and those values are kept as the library's contribution.
Search vectors are computed on each entry from what its library sees (a trigger), no
longer copied from the paper.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

FIELDS = ("title", "authors", "abstract", "published", "venue", "pdf_url")
REGISTRY_SCHEMES = ("arxiv", "doi", "openreview", "acl", "pmid", "pmcid")
BATCH = 1000

DROP_COPIED_VECTORS = """
DROP TRIGGER IF EXISTS readinglist_paper_search_vector ON readinglist_paper;
DROP FUNCTION IF EXISTS readinglist_paper_push_search_vector();
DROP TRIGGER IF EXISTS readinglist_entry_search_vector ON readinglist_entry;
DROP FUNCTION IF EXISTS readinglist_entry_copy_search_vector();
"""

# The document SearchVector("title", weight="A") + SearchVector(Cast("authors", TextField()),
# weight="B") + SearchVector("abstract", weight="C") (config "english") compiles to, kept on
# the entry whatever writes it: saves, imports, enrichment, merges, bulk loads.
CREATE_ENTRY_DOCUMENT = """
CREATE OR REPLACE FUNCTION readinglist_entry_search_document() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english'::regconfig, COALESCE(NEW.title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE((NEW.authors)::text, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(NEW.abstract, '')), 'C');
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER readinglist_entry_search_document
    BEFORE INSERT OR UPDATE OF title, authors, abstract ON readinglist_entry
    FOR EACH ROW EXECUTE FUNCTION readinglist_entry_search_document();
"""

DROP_ENTRY_DOCUMENT = """
DROP TRIGGER IF EXISTS readinglist_entry_search_document ON readinglist_entry;
DROP FUNCTION IF EXISTS readinglist_entry_search_document();
"""


def use_entry_documents(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_COPIED_VECTORS)
        schema_editor.execute(CREATE_ENTRY_DOCUMENT)


def use_copied_vectors(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        copied = import_module("readinglist.migrations.0004_copy_paper_search_vector_to_entries")
        schema_editor.execute(DROP_ENTRY_DOCUMENT)
        schema_editor.execute(copied.CREATE_TRIGGERS)


def keep_entry_vectors_inline(apps, schema_editor):
    """Entries now hold abstracts too: when a row is too big, move them out, not the vector
    that ranking reads for every match (0006)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE readinglist_entry ALTER COLUMN search_vector SET STORAGE MAIN")


def contributions_to_entries(apps, schema_editor):
    """Each entry sees what its paper showed; the non-registry part is its contribution."""
    Paper = apps.get_model("readinglist", "Paper")
    Entry = apps.get_model("readinglist", "Entry")
    EntryContribution = apps.get_model("readinglist", "EntryContribution")
    PaperIdentifier = apps.get_model("readinglist", "PaperIdentifier")
    asked = set(
        PaperIdentifier.objects.filter(scheme__in=REGISTRY_SCHEMES).values_list(
            "paper_id", flat=True
        )
    )
    papers = Paper.objects.order_by("pk")
    last = 0
    while True:
        batch = list(papers.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        by_id = {paper.pk: paper for paper in batch}
        entries = list(Entry.objects.filter(paper_id__in=by_id).defer("search_vector"))
        contributions = []
        for entry in entries:
            paper = by_id[entry.paper_id]
            sources = paper.field_sources or {}
            contribution = EntryContribution(entry=entry)
            for name in FIELDS:
                value = getattr(paper, name)
                setattr(entry, name, value)
                if value and sources.get(name, "document") != "registry":
                    contribution.contributed[name] = value
                    contribution.sources[name] = sources.get(name, "document")
            if contribution.contributed:
                contributions.append(contribution)
            entry.url = paper.url
            entry.arxiv_version = paper.arxiv_version
        Entry.objects.bulk_update(entries, [*FIELDS, "url", "arxiv_version"], batch_size=BATCH)
        EntryContribution.objects.bulk_create(contributions, batch_size=BATCH)
        for paper in batch:
            sources = paper.field_sources or {}
            for name in FIELDS:
                derived_pdf = name == "pdf_url" and paper.pdf_url.startswith("https://arxiv.org/pdf/")
                if sources.get(name) != "registry" and not derived_pdf:
                    setattr(paper, name, [] if name == "authors" else "")
            paper.field_sources = {k: v for k, v in sources.items() if v == "registry"}
            # A client's URL named the version until now; the arXiv API will say again.
            paper.arxiv_version = None
            paper.enrichment = "pending" if paper.pk in asked else "none"
            if paper.pk in asked:
                paper.enrichment_retry_at = django.utils.timezone.now()
        Paper.objects.bulk_update(
            batch,
            [*FIELDS, "field_sources", "arxiv_version", "enrichment", "enrichment_retry_at"],
            batch_size=BATCH,
        )


def contributions_to_papers(apps, schema_editor):
    """Back: a paper shows again what its oldest entry saw."""
    Paper = apps.get_model("readinglist", "Paper")
    Entry = apps.get_model("readinglist", "Entry")
    EntryContribution = apps.get_model("readinglist", "EntryContribution")
    for paper in Paper.objects.all():
        entry = Entry.objects.filter(paper=paper).order_by("pk").first()
        if entry is None:
            continue
        for name in FIELDS:
            setattr(paper, name, getattr(entry, name))
        found = EntryContribution.objects.filter(entry=entry).first()
        sources = found.sources if found is not None else {}
        paper.field_sources = {**sources, **(paper.field_sources or {})}
        paper.save()


class Migration(migrations.Migration):

    dependencies = [
        ('readinglist', '0006_keep_entry_search_vectors_inline'),
    ]

    operations = [
        migrations.CreateModel(
            name='EntryIdentifier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scheme', models.CharField(choices=[('arxiv', 'arXiv'), ('doi', 'DOI'), ('openreview', 'OpenReview'), ('acl', 'ACL Anthology'), ('pmid', 'PubMed'), ('pmcid', 'PubMed Central'), ('url', 'URL'), ('fingerprint', 'Fingerprint')], max_length=16)),
                ('value', models.CharField(max_length=2000)),
                ('display', models.CharField(blank=True, max_length=2000)),
            ],
        ),
        migrations.CreateModel(
            name='PaperEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('new_version', 'New arXiv version'), ('published', 'Published')], max_length=12)),
                ('detail', models.CharField(help_text='The version number or the DOI', max_length=500)),
                ('detected_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name='paperidentifier',
            name='readinglist_paperidentifier_scheme_valid',
        ),
        migrations.AddField(
            model_name='entry',
            name='abstract',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='entry',
            name='arxiv_version',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='entry',
            name='authors',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='entry',
            name='item_type',
            field=models.CharField(blank=True, choices=[('article', 'Article'), ('conference_paper', 'Conference paper'), ('preprint', 'Preprint'), ('book', 'Book'), ('chapter', 'Chapter'), ('thesis', 'Thesis'), ('report', 'Report'), ('dataset', 'Dataset'), ('software', 'Software'), ('webpage', 'Webpage'), ('other', 'Other')], max_length=20),
        ),
        migrations.AddField(
            model_name='entry',
            name='pdf_url',
            field=models.URLField(blank=True, max_length=2000),
        ),
        migrations.AddField(
            model_name='entry',
            name='published',
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name='entry',
            name='title',
            field=models.CharField(blank=True, max_length=2000),
        ),
        migrations.AddField(
            model_name='entry',
            name='url',
            field=models.URLField(blank=True, max_length=2000),
        ),
        migrations.AddField(
            model_name='entry',
            name='venue',
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name='paper',
            name='enriched_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='paper',
            name='enrichment',
            field=models.CharField(choices=[('pending', 'Waiting for the registry'), ('done', 'Registry answered'), ('not_found', 'Registry does not know it'), ('failed', 'Registry unreachable, gave up'), ('none', 'No registry for its identifiers')], default='pending', max_length=10),
        ),
        migrations.AddField(
            model_name='paper',
            name='enrichment_attempts',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='paper',
            name='enrichment_error',
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name='paper',
            name='enrichment_retry_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='paper',
            name='item_type',
            field=models.CharField(blank=True, choices=[('article', 'Article'), ('conference_paper', 'Conference paper'), ('preprint', 'Preprint'), ('book', 'Book'), ('chapter', 'Chapter'), ('thesis', 'Thesis'), ('report', 'Report'), ('dataset', 'Dataset'), ('software', 'Software'), ('webpage', 'Webpage'), ('other', 'Other')], max_length=20),
        ),
        migrations.AddField(
            model_name='paper',
            name='merged_into',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='readinglist.paper'),
        ),
        migrations.AddField(
            model_name='tombstone',
            name='merged_into',
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='paperidentifier',
            name='scheme',
            field=models.CharField(choices=[('arxiv', 'arXiv'), ('doi', 'DOI'), ('openreview', 'OpenReview'), ('acl', 'ACL Anthology'), ('pmid', 'PubMed'), ('pmcid', 'PubMed Central'), ('url', 'URL'), ('fingerprint', 'Fingerprint')], max_length=16),
        ),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.CheckConstraint(condition=models.Q(('item_type__in', ['', 'article', 'conference_paper', 'preprint', 'book', 'chapter', 'thesis', 'report', 'dataset', 'software', 'webpage', 'other'])), name='readinglist_entry_item_type_valid'),
        ),
        migrations.AddConstraint(
            model_name='paper',
            constraint=models.CheckConstraint(condition=models.Q(('enrichment__in', ['pending', 'done', 'not_found', 'failed', 'none'])), name='readinglist_paper_enrichment_valid'),
        ),
        migrations.AddConstraint(
            model_name='paper',
            constraint=models.CheckConstraint(condition=models.Q(('item_type__in', ['', 'article', 'conference_paper', 'preprint', 'book', 'chapter', 'thesis', 'report', 'dataset', 'software', 'webpage', 'other'])), name='readinglist_paper_item_type_valid'),
        ),
        migrations.AddConstraint(
            model_name='paperidentifier',
            constraint=models.CheckConstraint(condition=models.Q(('scheme__in', ['arxiv', 'doi', 'openreview', 'acl', 'pmid', 'pmcid', 'url', 'fingerprint'])), name='readinglist_paperidentifier_scheme_valid'),
        ),
        migrations.AddField(
            model_name='entryidentifier',
            name='entry',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='local_identifiers', to='readinglist.entry'),
        ),
        migrations.AddField(
            model_name='entryidentifier',
            name='library',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='readinglist.library'),
        ),
        migrations.AddField(
            model_name='paperevent',
            name='paper',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='readinglist.paper'),
        ),
        migrations.AddConstraint(
            model_name='entryidentifier',
            constraint=models.UniqueConstraint(fields=('library', 'scheme', 'value'), name='readinglist_entryidentifier_unique'),
        ),
        migrations.AddConstraint(
            model_name='entryidentifier',
            constraint=models.CheckConstraint(condition=models.Q(('scheme__in', ['arxiv', 'doi', 'openreview', 'acl', 'pmid', 'pmcid', 'url', 'fingerprint'])), name='readinglist_entryidentifier_scheme_valid'),
        ),
        migrations.AddIndex(
            model_name='paperevent',
            index=models.Index(fields=['detected_at'], name='readinglist_paperevent_when'),
        ),
        migrations.AddConstraint(
            model_name='paperevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['new_version', 'published'])), name='readinglist_paperevent_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='paperevent',
            constraint=models.UniqueConstraint(fields=('paper', 'kind', 'detail'), name='readinglist_paperevent_once'),
        ),
        migrations.AddIndex(
            model_name='entryidentifier',
            index=models.Index(fields=['scheme', 'value'], name='readinglist_entryident_key'),
        ),
        migrations.CreateModel(
            name='EntryContribution',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='contribution', serialize=False, to='readinglist.entry')),
                ('contributed', models.JSONField(blank=True, default=dict)),
                ('sources', models.JSONField(blank=True, default=dict)),
                ('overrides', models.JSONField(blank=True, default=dict)),
            ],
        ),
        migrations.RunPython(use_entry_documents, use_copied_vectors),
        migrations.RunPython(keep_entry_vectors_inline, migrations.RunPython.noop),
        migrations.RunPython(contributions_to_entries, contributions_to_papers),
        migrations.RemoveField(
            model_name='paper',
            name='search_vector',
        ),
    ]
