//! Diesel table definitions, shared by SQLite and PostgreSQL. Only portable
//! SQL types are used (Integer, Text, Binary, Timestamp as UTC `NaiveDateTime`).

diesel::table! {
    sections (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        description -> Text,
        position -> Integer,
    }
}

diesel::table! {
    authors (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        bio -> Text,
        photo_id -> Nullable<Integer>,
        link_x -> Text,
        link_mastodon -> Text,
        link_bluesky -> Text,
        link_linkedin -> Text,
        link_website -> Text,
        kind -> Text,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
    }
}

diesel::table! {
    media (id) {
        id -> Integer,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        data -> Binary,
        created_at -> Timestamp,
        original_id -> Nullable<Integer>,
        token -> Text,
        alt -> Text,
        caption -> Text,
        credit -> Text,
        search_text -> Text,
        focal_x -> Integer,
        focal_y -> Integer,
        aspect -> Text,
    }
}

diesel::table! {
    article_media (article_id, media_id) {
        article_id -> Integer,
        media_id -> Integer,
    }
}

diesel::table! {
    articles (id) {
        id -> Integer,
        slug -> Text,
        headline -> Text,
        standfirst -> Text,
        body -> Text,
        kicker -> Text,
        section_id -> Nullable<Integer>,
        author_id -> Nullable<Integer>,
        lead_image_id -> Nullable<Integer>,
        lead_image_alt -> Text,
        lead_image_caption -> Text,
        lead_image_credit -> Text,
        desk_heading -> Text,
        desk_text -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        version -> Integer,
        word_count -> Integer,
        created_by -> Nullable<Integer>,
        body_html -> Nullable<Text>,
        updated_by -> Nullable<Integer>,
        submitted_at -> Nullable<Timestamp>,
        review_note -> Text,
        seo_title -> Text,
        seo_description -> Text,
        social_image_id -> Nullable<Integer>,
        social_image_alt -> Text,
        canonical_url -> Text,
        noindex -> Bool,
    }
}

diesel::table! {
    article_takeaways (id) {
        id -> Integer,
        article_id -> Integer,
        position -> Integer,
        text -> Text,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Integer,
        tag_id -> Integer,
        published_at -> Nullable<Timestamp>,
    }
}

// Per 100 article ids, the latest edit and publish time of the live articles
// among them (kept by triggers; see migration `2026-12-02-000014_sitemap_blocks`).
diesel::table! {
    sitemap_blocks (block) {
        block -> Integer,
        last_edit -> Timestamp,
        last_publish -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> Integer,
        author_id -> Integer,
        position -> Integer,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    site_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        author_id -> Nullable<Integer>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Integer,
        email -> Text,
        client -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    admin_sessions (token_hash) {
        token_hash -> Text,
        user_id -> Integer,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    article_revisions (id) {
        id -> Integer,
        article_id -> Integer,
        version -> Integer,
        user_id -> Nullable<Integer>,
        created_at -> Timestamp,
        content -> Text,
    }
}

diesel::table! {
    article_slugs (slug) {
        slug -> Text,
        article_id -> Integer,
    }
}

diesel::table! {
    related_articles (article_id, pinned, position) {
        article_id -> Integer,
        pinned -> Bool,
        position -> Integer,
        related_id -> Integer,
        score -> Integer,
        text_score -> Integer,
        tag_score -> Integer,
        shared_tags -> Text,
        same_section -> Bool,
        name_score -> Integer,
    }
}

diesel::table! {
    related_computed (article_id) {
        article_id -> Integer,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    related_pins (article_id, position) {
        article_id -> Integer,
        position -> Integer,
        related_id -> Integer,
    }
}

diesel::table! {
    taxonomy_redirects (kind, old_slug) {
        kind -> Text,
        old_slug -> Text,
        target_id -> Integer,
    }
}

diesel::table! {
    related_terms (id) {
        id -> Integer,
        term -> Text,
        df -> Integer,
    }
}

diesel::table! {
    deleted_media (token) {
        token -> Text,
        deleted_at -> Timestamp,
    }
}

diesel::table! {
    related_postings (term_id, article_id) {
        term_id -> Integer,
        article_id -> Integer,
        weight -> Float,
    }
}

diesel::table! {
    related_docs (article_id) {
        article_id -> Integer,
        section_id -> Nullable<Integer>,
        published_at -> Timestamp,
        term_ids -> Text,
    }
}

diesel::table! {
    related_jobs (article_id) {
        article_id -> Integer,
        requested_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_notes (id) {
        id -> Integer,
        article_id -> Integer,
        kind -> Text,
        text -> Text,
        noted_at -> Timestamp,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    live_coverage (article_id) {
        article_id -> Integer,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    live_posts (id) {
        id -> Integer,
        article_id -> Integer,
        posted_at -> Timestamp,
        body -> Text,
        body_html -> Text,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(article_notes -> articles (article_id));
diesel::joinable!(live_posts -> articles (article_id));
diesel::joinable!(live_coverage -> articles (article_id));
diesel::joinable!(related_postings -> related_terms (term_id));
diesel::joinable!(admin_sessions -> users (user_id));
diesel::joinable!(articles -> sections (section_id));
diesel::joinable!(article_revisions -> articles (article_id));
diesel::joinable!(article_revisions -> users (user_id));
diesel::joinable!(article_slugs -> articles (article_id));
diesel::joinable!(articles -> authors (author_id));
diesel::joinable!(articles -> media (lead_image_id));
diesel::joinable!(article_media -> articles (article_id));
diesel::joinable!(article_takeaways -> articles (article_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));

diesel::allow_tables_to_appear_in_same_query!(
    sections,
    authors,
    tags,
    media,
    articles,
    article_takeaways,
    article_tags,
    article_authors,
    site_settings,
    users,
    login_failures,
    admin_sessions,
    article_revisions,
    article_slugs,
    related_articles,
    related_computed,
    related_pins,
    taxonomy_redirects,
    deleted_media,
    related_terms,
    related_postings,
    related_docs,
    related_jobs,
    article_notes,
    sitemap_blocks,
    live_posts,
    live_coverage,
    article_media,
);
