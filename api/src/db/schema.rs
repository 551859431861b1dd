// @generated automatically by Diesel CLI.

diesel::table! {
    calendar_days (date) {
        date -> Date,
        kind -> Text,
        name -> Text,
        updated_at -> Timestamptz,
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

diesel::allow_tables_to_appear_in_same_query!(calendar_days, school,);
