DROP TABLE certificates;
DROP TABLE certificate_templates;
DROP TABLE certificate_seals;
