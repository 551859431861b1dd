DROP TABLE activity_evaluations;
DROP TABLE survey_responses;
DROP TABLE survey_respondents;
DROP TABLE surveys;
