"""The SQLite library's schema, as numbered migrations (``pragma user_version`` counts those
applied); store/sqlite.py applies them. Never edit one that has shipped: add the next."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the initial schema
    """
    create table meta (key text primary key, value text not null);
    create table documents (
        id integer primary key,
        doc_name text not null unique,
        source_path text not null,
        content_hash text not null,
        file_type text not null,
        page_count integer not null,
        chunk_count integer not null,
        added_at text not null,
        metadata text not null default '{}'
    );
    create index documents_hash on documents(content_hash);
    create table pages (
        doc_id integer not null references documents(id) on delete cascade,
        page integer not null,
        text text not null,
        primary key (doc_id, page)
    );
    create table chunks (
        id integer primary key,
        doc_id integer not null references documents(id) on delete cascade,
        ordinal integer not null,
        page_start integer not null,
        page_end integer not null,
        char_start integer not null,
        char_end integer not null,
        text text not null,
        context text not null default '',
        section text,
        speaker text,
        vector blob
    );
    create index chunks_doc on chunks(doc_id);
    create index chunks_pending on chunks(id) where vector is null;
    create virtual table chunk_fts using fts5(body, context, tokenize = 'porter unicode61');
    """,
    # 2: the speaker's role (executive / analyst / operator), for questions about "analysts"
    """
    alter table chunks add column role text;
    """,
    # 3: users' corrections to extracted metadata, by document name: they survive re-ingest
    """
    create table metadata_overrides (
        doc_name text not null,
        key text not null,
        value text not null,
        primary key (doc_name, key)
    );
    """,
    # 4: collections (a team, a deal): every document belongs to one; keys are granted some
    """
    alter table documents add column collection text not null default 'default';
    create index documents_collection on documents(collection);
    """,
    # 5: trust (earnest.trust): who added a document with which extractor, API keys (hashed),
    # the hash-chained audit log, and answers kept for lineage (erased with their documents)
    """
    alter table documents add column added_by text;
    alter table documents add column extractor text;
    create table api_keys (
        id text primary key,
        secret_sha256 text not null unique,
        name text not null,
        role text not null,
        collections text not null,
        created_at text not null,
        created_by text not null,
        revoked_at text
    );
    create table audit_log (
        seq integer primary key,
        record text not null,
        prev_hash text not null,
        hash text not null
    );
    create table answers (
        id text primary key,
        created_at text not null,
        actor text not null,
        doc_ids text not null,
        audit_seq integer,
        body text
    );
    """,
    # 6: the hash of each chunk's text (store.base.text_hash), so a text already embedded in
    # the library is never embedded again: its vector is copied (earnest.ingest_pipeline)
    """
    alter table chunks add column text_hash text;
    update chunks set text_hash = earnest_text_hash(text);
    create index chunks_text_hash on chunks(text_hash) where vector is not null;
    """,
    # 7: a chunk's title (what the document is) and its
    # page's headings as fields, filled from the joined "title | headings" context (whose
    # headings come back as one piece: `earnest docs refresh` splits them). The keyword
    # index keeps the joined text in chunk_fts (models.matched_text).
    """
    alter table chunks add column title text not null default '';
    alter table chunks add column headings text not null default '[]';
    update chunks set
        title = case when instr(context, ' | ') > 0
                     then substr(context, 1, instr(context, ' | ') - 1) else context end,
        headings = case when instr(context, ' | ') > 0
                        then json_array(substr(context, instr(context, ' | ') + 3)) else '[]' end
        where context <> '';
    alter table chunks drop column context;
    """,
]
