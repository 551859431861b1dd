DROP TABLE notifications;
DROP TABLE registrations;
DROP TABLE activity_transitions;
DROP TABLE activities;
DROP TABLE activity_categories;
