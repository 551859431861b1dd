use crate::helpers::{assert_error, spawn_app};

#[tokio::test]
async fn school_is_404_until_configured_then_the_demo_profile() {
    let app = spawn_app().await;
    assert_error(app.get("/api/school").await, 404, "not_found").await;

    let first = api::seed::seed_demo(&mut app.db().await).await.unwrap();
    let second = api::seed::seed_demo(&mut app.db().await).await.unwrap();

    assert!(first.school_created);
    assert!(!second.school_created, "seeding twice changes nothing");
    let response = app.get("/api/school").await;
    assert_eq!(response.status().as_u16(), 200);
    let school: shared::school::School = response.json().await.unwrap();
    assert_eq!(school, api::seed::demo_school());
}
