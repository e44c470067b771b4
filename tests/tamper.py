"""Changing the history table behind parindex's back, as an attacker with database access would."""

from sqlalchemy import Engine, text

STATEMENTS = {
    "edit": "UPDATE historyentry SET actor = 'someone else' WHERE seq = 10",
    "delete": "DELETE FROM historyentry WHERE seq = 10",
}
EXPECTED = {"edit": "dòng đã bị sửa", "insert": "có dòng bị chèn vào", "delete": "có dòng đã bị xoá"}


def tamper_history(db: Engine, how: str) -> None:
    """Edit row 10, delete it, or insert a forged row at 10 (renumbering those after it)."""
    with db.begin() as connection:
        if how == "insert":
            last = connection.execute(text("SELECT max(seq) FROM historyentry")).scalar_one()
            for seq in range(last, 9, -1):  # shift one by one: the unique (cycle, seq) holds throughout
                connection.execute(text(f"UPDATE historyentry SET seq = {seq + 1} WHERE seq = {seq}"))
            connection.execute(text(
                "INSERT INTO historyentry (cycle_id, seq, at, entity, subject, event, actor, reason, details, "
                "prev_hash, hash) SELECT cycle_id, 10, at, entity, subject, 'forged', actor, reason, details, "
                "prev_hash, hash FROM historyentry WHERE seq = 9"))
        else:
            connection.execute(text(STATEMENTS[how]))
