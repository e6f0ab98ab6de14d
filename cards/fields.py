"""Personal data at rest: the PESEL field (encrypted, searchable only by its keyed hash)
and encrypted fields for what carries the number (chip files, the reads that hold them)."""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models

from .pesel import decrypt_at_rest, encrypt_at_rest, pesel_decrypt, pesel_digest, pesel_encrypt


class EncryptedPeselField(models.TextField):
    """Plain text in Python, a Fernet token in the database, "" for no number.

    Every lookup but `isnull` is refused: ciphertext compares to nothing, and a prefix
    search would be a way to recover a number. Search through its `PeselHashField`.
    """

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(f"PESEL cannot be searched with “{lookup_name}”; "
                             "use the PESEL hash field with pesel_digest().")
        return super().get_lookup(lookup_name)

    def from_db_value(self, value, expression, connection):
        return pesel_decrypt(value) if value else value

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return pesel_encrypt(value) if value else value


class PeselHashField(models.CharField):
    """The HMAC of the number in the `source` field, computed on every save: exact match only."""

    def __init__(self, *args, source: str = "pesel", **kwargs) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.source != "pesel":
            kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = pesel_digest(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value

    def get_lookup(self, lookup_name):
        if lookup_name not in ("exact", "in", "isnull"):
            raise FieldError(f"The PESEL hash matches only whole numbers, not “{lookup_name}”.")
        return super().get_lookup(lookup_name)


class _NoLookups:
    """Ciphertext compares to nothing: only `isnull`, and `exact` for the empty value
    (which is stored as it is) are allowed."""

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull", "exact"):
            raise FieldError(f"An encrypted field cannot be searched with “{lookup_name}”.")
        return super().get_lookup(lookup_name)


class EncryptedBinaryField(_NoLookups, models.BinaryField):
    """Bytes in Python, a Fernet token in the database (an EF.ELS holds the PESEL)."""

    def from_db_value(self, value, expression, connection):
        return decrypt_at_rest(bytes(value)) if value else value

    def get_db_prep_value(self, value, connection, prepared=False):
        if value:
            value = encrypt_at_rest(bytes(value))
        return super().get_db_prep_value(value, connection, prepared)


class EncryptedTextField(_NoLookups, models.TextField):
    """Text in Python, a Fernet token in the database; "" stays "" (nothing kept)."""

    def from_db_value(self, value, expression, connection):
        return decrypt_at_rest(value.encode()).decode() if value else value

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return encrypt_at_rest(value.encode()).decode() if value else value
