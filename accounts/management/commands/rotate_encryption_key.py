"""Re-encrypt stored secrets under the first key of FIELD_ENCRYPTION_KEY.

Rotation: put the new key first in FIELD_ENCRYPTION_KEY (keep the old ones
after it), deploy, run this command, then drop the old keys. It works in
batches, one transaction each, and can be interrupted and run again: rows
already on the first key are skipped. A row is rewritten only if it still
holds the ciphertext read a moment earlier, so a password changed meanwhile
is never overwritten. Rows no configured key can read are listed and left
alone (their owners must enter the password again).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from encrypted_model_fields.fields import EncryptedMixin


def encrypted_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedMixin):
                yield model, field


class Command(BaseCommand):
    help = "Re-encrypt every stored password under the first key of FIELD_ENCRYPTION_KEY."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        keys = settings.FIELD_ENCRYPTION_KEY
        keys = [keys] if isinstance(keys, str) else list(keys)
        current = Fernet(keys[0])
        every_key = MultiFernet([Fernet(k) for k in keys])
        for model, field in encrypted_fields():
            rotated, current_count, unreadable = self._rotate(model, field, current, every_key, options["batch_size"])
            label = f"{model._meta.label}.{field.name}"
            self.stdout.write(
                f"{label}: {rotated} re-encrypted, {current_count} already on the first key, "
                f"{len(unreadable)} unreadable"
            )
            if unreadable:
                self.stdout.write(
                    self.style.WARNING(
                        f"{label}: no configured key reads rows {', '.join(map(str, unreadable))}; "
                        "left untouched (their owners must enter the password again)."
                    )
                )

    def _rotate(self, model, field, current, every_key, batch_size):
        qn = connection.ops.quote_name
        table, column, pk = qn(model._meta.db_table), qn(field.column), qn(model._meta.pk.column)
        rotated = already = 0
        unreadable = []
        last_pk = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                # Raw SQL: the ORM would hand back decrypted values, we need the tokens.
                if last_pk is None:
                    cursor.execute(f"SELECT {pk}, {column} FROM {table} ORDER BY {pk} LIMIT %s", [batch_size])
                else:
                    cursor.execute(
                        f"SELECT {pk}, {column} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",
                        [last_pk, batch_size],
                    )
                rows = cursor.fetchall()
                if not rows:
                    return rotated, already, unreadable
                for row_pk, token in rows:
                    last_pk = row_pk
                    if not token:
                        continue
                    raw = token.encode() if isinstance(token, str) else bytes(token)
                    try:
                        current.decrypt(raw)
                        already += 1
                        continue
                    except InvalidToken:
                        pass
                    try:
                        new_token = every_key.rotate(raw).decode()
                    except InvalidToken:
                        unreadable.append(row_pk)
                        continue
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",
                        [new_token, row_pk, token],
                    )
                    rotated += cursor.rowcount
