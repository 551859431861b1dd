// @generated automatically by Diesel CLI.

diesel::table! {
    activity_watches (activity_id, student_id) {
        activity_id -> Int8,
        student_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reminder_sweeps (key) {
        key -> Text,
        done_at -> Timestamptz,
    }
}

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
    activities (id) {
        id -> Int8,
        organizer_id -> Int8,
        title -> Text,
        category -> Text,
        credit_level -> Text,
        description -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        place -> Text,
        campus -> Text,
        capacity -> Nullable<Int4>,
        registration_opens_at -> Timestamptz,
        registration_closes_at -> Timestamptz,
        eligible_colleges -> Array<Int8>,
        eligible_years -> Array<Int4>,
        eligible_degrees -> Array<Text>,
        instructor_ids -> Array<Int8>,
        cover_image_url -> Nullable<Text>,
        points_rule -> Nullable<Text>,
        enrolment_mode -> Text,
        fields -> Jsonb,
        status -> Text,
        review_chain -> Array<Int8>,
        review_step -> Int4,
        submitted_at -> Nullable<Timestamptz>,
        lottery_seed -> Nullable<Text>,
        lottery_drawn_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        created_by -> Int8,
        updated_at -> Timestamptz,
        updated_by -> Int8,
        checkin_opens_at -> Nullable<Timestamptz>,
        checkin_closes_at -> Nullable<Timestamptz>,
        checkout_enabled -> Bool,
        checkin_latitude -> Nullable<Float8>,
        checkin_longitude -> Nullable<Float8>,
        checkin_radius_m -> Nullable<Int4>,
        recognized_at -> Nullable<Timestamptz>,
        recognized_by -> Nullable<Int8>,
        checkin_step_secs -> Int2,
        checkin_grace_secs -> Int2,
        projected_code -> Bool,
        personal_code -> Bool,
        cancel_cutoff_hours -> Int2,
    }
}

diesel::table! {
    activity_categories (code) {
        code -> Text,
        name -> Text,
        name_en -> Text,
        active -> Bool,
        position -> Int4,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Int8>,
        recognition_working_days -> Nullable<Int2>,
    }
}

diesel::table! {
    activity_transitions (id) {
        id -> Int8,
        activity_id -> Int8,
        at -> Timestamptz,
        action -> Text,
        from_status -> Text,
        to_status -> Text,
        actor_id -> Int8,
        organization_id -> Int8,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    attendance (id) {
        id -> Int8,
        activity_id -> Int8,
        student_id -> Int8,
        checked_in_at -> Timestamptz,
        checked_out_at -> Nullable<Timestamptz>,
        method -> Text,
        device_id -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        code_lag_ms -> Nullable<Int4>,
        distance_m -> Nullable<Float8>,
        registered -> Bool,
        recorded_by -> Nullable<Int8>,
        reason -> Nullable<Text>,
        created_at -> Timestamptz,
        code_from -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    attendance_attempts (id) {
        id -> Int8,
        activity_id -> Int8,
        student_id -> Int8,
        at -> Timestamptz,
        outcome -> Text,
        device_id -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        code_from -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    attendance_requests (id) {
        id -> Int8,
        activity_id -> Int8,
        student_id -> Int8,
        reason -> Text,
        evidence -> Nullable<Text>,
        status -> Text,
        approver_org_id -> Int8,
        requested_by -> Int8,
        requested_at -> Timestamptz,
        decided_by -> Nullable<Int8>,
        decided_at -> Nullable<Timestamptz>,
        decision_note -> Nullable<Text>,
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
        updated_by -> Nullable<Int8>,
    }
}

diesel::table! {
    checkin_policies (school_id) {
        school_id -> Int2,
        window_secs -> Int4,
        per_address -> Int4,
        per_device -> Int4,
        trusted_networks -> Array<Text>,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Int8>,
        device_changes_per_term -> Int4,
        no_show_threshold -> Int4,
        no_show_block_days -> Int4,
        no_show_lottery_last -> Bool,
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
    ledger_entries (id) {
        id -> Int8,
        student_id -> Int8,
        term_id -> Int8,
        category -> Text,
        points -> Int8,
        hours -> Numeric,
        source -> Text,
        fact -> Text,
        activity_id -> Nullable<Int8>,
        title -> Text,
        detail -> Text,
        method -> Text,
        rule_version -> Nullable<Int4>,
        organization_id -> Int8,
        recognized_by -> Int8,
        approved_by -> Nullable<Int8>,
        reverses -> Nullable<Int8>,
        occurred_on -> Date,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Int8,
        username -> Text,
        client -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        account_id -> Int8,
        created_at -> Timestamptz,
        kind -> Text,
        title -> Text,
        body -> Text,
        activity_id -> Nullable<Int8>,
        read_at -> Nullable<Timestamptz>,
        dedupe_key -> Nullable<Text>,
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
        contact_email -> Nullable<Text>,
        college_name -> Text,
    }
}

diesel::table! {
    point_facts (id) {
        id -> Int8,
        student_id -> Int8,
        term_id -> Int8,
        category -> Text,
        source -> Text,
        title -> Text,
        kind -> Jsonb,
        achievement -> Nullable<Text>,
        occurred_on -> Date,
        organization_id -> Int8,
        recorded_by -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    point_totals (student_id, term_id, category) {
        student_id -> Int8,
        term_id -> Int8,
        category -> Text,
        points -> Int8,
        hours -> Numeric,
    }
}

diesel::table! {
    print_job_parts (job_id, attempt, seq) {
        job_id -> Uuid,
        seq -> Int4,
        bytes -> Bytea,
        attempt -> Int4,
    }
}

diesel::table! {
    print_jobs (id) {
        id -> Uuid,
        organization_id -> Int8,
        requested_by -> Int8,
        params -> Jsonb,
        status -> Text,
        total -> Int4,
        done -> Int4,
        file_name -> Nullable<Text>,
        content_type -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        size_bytes -> Nullable<Int8>,
        claim -> Nullable<Uuid>,
        claimed_by -> Nullable<Text>,
        heartbeat_at -> Nullable<Timestamptz>,
        started_at -> Nullable<Timestamptz>,
        attempts -> Int4,
    }
}

diesel::table! {
    recognition_requests (id) {
        id -> Int8,
        activity_id -> Int8,
        grounds -> Array<Text>,
        reason -> Text,
        status -> Text,
        approver_org_id -> Int8,
        requested_by -> Int8,
        requested_at -> Timestamptz,
        decided_by -> Nullable<Int8>,
        decided_at -> Nullable<Timestamptz>,
        decision_reason -> Nullable<Text>,
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
    registrations (id) {
        id -> Int8,
        activity_id -> Int8,
        student_id -> Int8,
        status -> Text,
        answers -> Jsonb,
        registered_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        decided_by -> Nullable<Int8>,
        cancelled_at -> Nullable<Timestamptz>,
        excused_at -> Nullable<Timestamptz>,
        excused_by -> Nullable<Int8>,
        excuse -> Nullable<Text>,
    }
}

diesel::table! {
    results (id) {
        id -> Int8,
        activity_id -> Int8,
        student_id -> Int8,
        attended -> Bool,
        hours -> Nullable<Numeric>,
        role -> Nullable<Text>,
        award -> Nullable<Text>,
        award_level -> Nullable<Text>,
        note -> Nullable<Text>,
        backfilled -> Bool,
        recognized_by -> Int8,
        recognized_at -> Timestamptz,
        achievement -> Nullable<Text>,
        backfill_reason -> Nullable<Text>,
    }
}

diesel::table! {
    rule_sets (version) {
        version -> Int4,
        effective_term_id -> Nullable<Int8>,
        rules -> Jsonb,
        note -> Text,
        created_at -> Timestamptz,
        created_by -> Nullable<Int8>,
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
    standings (student_id, term_id) {
        student_id -> Int8,
        term_id -> Int8,
        college_id -> Int8,
        enrolment_year -> Int4,
        points -> Int8,
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

diesel::table! {
    terms (id) {
        id -> Int8,
        code -> Text,
        name -> Text,
        academic_year -> Text,
        starts_on -> Date,
        ends_on -> Date,
        created_at -> Timestamptz,
        created_by -> Nullable<Int8>,
        midterm_on -> Nullable<Date>,
    }
}

diesel::table! {
    transcripts (id) {
        id -> Int8,
        serial -> Text,
        student_id -> Int8,
        style -> Text,
        snapshot -> Jsonb,
        content_hash -> Bytea,
        issued_at -> Timestamptz,
        issued_by -> Int8,
        batch_id -> Nullable<Uuid>,
        revoked_at -> Nullable<Timestamptz>,
        revoked_by -> Nullable<Int8>,
        revoke_reason -> Nullable<Text>,
    }
}

diesel::table! {
    monthly_reports (id) {
        id -> Int8,
        school_id -> Int2,
        organization_id -> Int8,
        month -> Date,
        period_from -> Date,
        period_to -> Date,
        due_at -> Timestamptz,
        frozen_at -> Timestamptz,
        content -> Jsonb,
        comments -> Text,
        status -> Text,
        filed_at -> Nullable<Timestamptz>,
        filed_by -> Nullable<Int8>,
        mailed_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Int8>,
    }
}

diesel::table! {
    scheduled_runs (job, school_id, period) {
        job -> Text,
        school_id -> Int2,
        period -> Text,
        ran_at -> Timestamptz,
        detail -> Jsonb,
    }
}

diesel::table! {
    school_reports (school_id, month) {
        school_id -> Int2,
        month -> Date,
        analysis -> Text,
        status -> Text,
        published_at -> Nullable<Timestamptz>,
        published_by -> Nullable<Int8>,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Int8>,
    }
}

diesel::table! {
    activity_evaluations (activity_id, student_id) {
        activity_id -> Int8,
        student_id -> Int8,
        school_id -> Int2,
        rating -> Int2,
        comment -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    survey_respondents (survey_id, account_id) {
        survey_id -> Int8,
        account_id -> Int8,
    }
}

diesel::table! {
    survey_responses (id) {
        id -> Uuid,
        school_id -> Int2,
        survey_id -> Int8,
        anonymous -> Bool,
        account_id -> Nullable<Int8>,
        answered_at -> Nullable<Timestamptz>,
        edit_key_hash -> Nullable<Bytea>,
        college_id -> Nullable<Int8>,
        enrolment_year -> Nullable<Int4>,
        answers -> Jsonb,
    }
}

diesel::table! {
    surveys (id) {
        id -> Int8,
        school_id -> Int2,
        organization_id -> Int8,
        title -> Text,
        description -> Text,
        anonymous -> Bool,
        questions -> Jsonb,
        opens_at -> Timestamptz,
        closes_at -> Timestamptz,
        target_kind -> Text,
        target_organization_id -> Int8,
        target_year -> Nullable<Int4>,
        target_activity_id -> Nullable<Int8>,
        status -> Text,
        published_at -> Nullable<Timestamptz>,
        published_by -> Nullable<Int8>,
        closed_early_at -> Nullable<Timestamptz>,
        created_by -> Int8,
        created_at -> Timestamptz,
        updated_by -> Int8,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(activities -> activity_categories (category));
diesel::joinable!(activities -> organizations (organizer_id));
diesel::joinable!(activity_categories -> accounts (updated_by));
diesel::joinable!(activity_evaluations -> activities (activity_id));
diesel::joinable!(activity_transitions -> accounts (actor_id));
diesel::joinable!(activity_transitions -> activities (activity_id));
diesel::joinable!(activity_transitions -> organizations (organization_id));
diesel::joinable!(attendance -> activities (activity_id));
diesel::joinable!(attendance_attempts -> accounts (student_id));
diesel::joinable!(attendance_attempts -> activities (activity_id));
diesel::joinable!(attendance_requests -> activities (activity_id));
diesel::joinable!(attendance_requests -> organizations (approver_org_id));
diesel::joinable!(audit_log -> accounts (actor_id));
diesel::joinable!(audit_log -> organizations (organization_id));
diesel::joinable!(calendar_days -> accounts (updated_by));
diesel::joinable!(checkin_policies -> accounts (updated_by));
diesel::joinable!(checkin_policies -> school (school_id));
diesel::joinable!(imports -> organizations (organization_id));
diesel::joinable!(ledger_entries -> activities (activity_id));
diesel::joinable!(ledger_entries -> organizations (organization_id));
diesel::joinable!(ledger_entries -> rule_sets (rule_version));
diesel::joinable!(ledger_entries -> terms (term_id));
diesel::joinable!(notifications -> accounts (account_id));
diesel::joinable!(notifications -> activities (activity_id));
diesel::joinable!(point_facts -> organizations (organization_id));
diesel::joinable!(point_facts -> terms (term_id));
diesel::joinable!(point_totals -> accounts (student_id));
diesel::joinable!(point_totals -> terms (term_id));
diesel::joinable!(recognition_requests -> activities (activity_id));
diesel::joinable!(recognition_requests -> organizations (approver_org_id));
diesel::joinable!(print_job_parts -> print_jobs (job_id));
diesel::joinable!(print_jobs -> accounts (requested_by));
diesel::joinable!(print_jobs -> organizations (organization_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(registrations -> activities (activity_id));
diesel::joinable!(results -> activities (activity_id));
diesel::joinable!(rule_sets -> accounts (created_by));
diesel::joinable!(rule_sets -> terms (effective_term_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(staff -> accounts (account_id));
diesel::joinable!(standings -> accounts (student_id));
diesel::joinable!(standings -> organizations (college_id));
diesel::joinable!(students -> accounts (account_id));
diesel::joinable!(survey_respondents -> surveys (survey_id));
diesel::joinable!(survey_responses -> surveys (survey_id));
diesel::joinable!(terms -> accounts (created_by));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    activities,
    activity_categories,
    activity_evaluations,
    activity_transitions,
    attendance,
    attendance_attempts,
    attendance_requests,
    audit_log,
    calendar_days,
    checkin_policies,
    imports,
    ledger_entries,
    monthly_reports,
    login_attempts,
    notifications,
    organizations,
    point_facts,
    point_totals,
    print_job_parts,
    print_jobs,
    recognition_requests,
    refresh_tokens,
    registrations,
    results,
    rule_sets,
    scheduled_runs,
    school,
    school_reports,
    sessions,
    staff,
    standings,
    students,
    survey_respondents,
    survey_responses,
    surveys,
    terms,
    transcripts,
);
