from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from readinglist import models


@admin.register(models.User)
class UserAdmin(BaseUserAdmin[models.User]):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "date_joined")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password", "name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class PaperIdentifierInline(admin.TabularInline[models.PaperIdentifier, models.Paper]):
    model = models.PaperIdentifier
    extra = 0


@admin.register(models.Paper)
class PaperAdmin(admin.ModelAdmin[models.Paper]):
    list_display = ("title", "published", "enrichment", "enriched_at", "created_at")
    list_filter = ("enrichment",)
    search_fields = ("title", "identifiers__value")
    # What a registry said: changed by the worker, which also refreshes every library's view.
    readonly_fields = ("title", "authors", "abstract", "published", "venue", "field_sources")
    inlines = [PaperIdentifierInline]


@admin.register(models.Library)
class LibraryAdmin(admin.ModelAdmin[models.Library]):
    list_display = ("name", "kind", "version")
    list_filter = ("kind",)


@admin.register(models.Entry)
class EntryAdmin(admin.ModelAdmin[models.Entry]):
    list_display = ("title", "library", "added_at", "version")
    raw_id_fields = ("paper", "library", "added_by")


admin.site.register(models.Lab)
admin.site.register(models.Membership)
admin.site.register(models.Tag)
