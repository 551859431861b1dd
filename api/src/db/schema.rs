// @generated automatically by Diesel CLI.

diesel::table! {
    accounts (id) {
        id -> Int8,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        kind -> Text,
        organization_id -> Int8,
        is_main -> Bool,
        permissions -> Array<Text>,
        active -> Bool,
        must_change_password -> Bool,
        created_at -> Timestamptz,
        created_by -> Nullable<Int8>,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Int8>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Int8>,
        organization_id -> Nullable<Int8>,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        details -> Jsonb,
    }
}

diesel::table! {
    calendar_days (date) {
        date -> Date,
        kind -> Text,
        name -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    imports (id) {
        id -> Uuid,
        kind -> Text,
        file_name -> Text,
        organization_id -> Int8,
        created_by -> Int8,
        created_at -> Timestamptz,
        rows -> Jsonb,
        confirmed_at -> Nullable<Timestamptz>,
        confirmed_by -> Nullable<Int8>,
    }
}

diesel::table! {
    organizations (id) {
        id -> Int8,
        parent_id -> Nullable<Int8>,
        path -> Array<Int8>,
        kind -> Text,
        code -> Text,
        name -> Text,
        active -> Bool,
        created_at -> Timestamptz,
        created_by -> Nullable<Int8>,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Int8>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    school (id) {
        id -> Int2,
        name -> Text,
        name_en -> Text,
        league_committee -> Text,
        timezone -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        account_id -> Int8,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        end_reason -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        client_ip -> Nullable<Text>,
    }
}

diesel::table! {
    staff (account_id) {
        account_id -> Int8,
        title -> Nullable<Text>,
        phone -> Nullable<Text>,
    }
}

diesel::table! {
    students (account_id) {
        account_id -> Int8,
        major -> Text,
        class_name -> Text,
        enrolment_year -> Int4,
        degree -> Text,
        phone -> Nullable<Text>,
    }
}

diesel::joinable!(accounts -> organizations (organization_id));
diesel::joinable!(audit_log -> accounts (actor_id));
diesel::joinable!(audit_log -> organizations (organization_id));
diesel::joinable!(imports -> organizations (organization_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(staff -> accounts (account_id));
diesel::joinable!(students -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    audit_log,
    calendar_days,
    imports,
    organizations,
    refresh_tokens,
    school,
    sessions,
    staff,
    students,
);
