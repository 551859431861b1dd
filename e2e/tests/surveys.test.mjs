// Surveys (问卷), end to end. 计算机学院团委 (cs_admin, desktop) builds an anonymous survey for
// its 2023 intake — a single choice, a star rating, a text question — saves the draft and
// publishes it; the results page says why it shows nothing yet. A student of that intake opens
// the home page on a phone, finds the survey card, sees that it is anonymous, answers and
// submits; four classmates answer through the API. The organiser then sees the counts as bar
// charts, the text answers sorted, and a filter to another intake that shows nothing again.
// Every screen is saved at phone and desktop sizes, in Chinese and once in English.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  account,
  api,
  apiToken,
  baseUrl,
  launchBrowser,
  newPage,
  shot,
  signIn,
  tid,
  waitForText,
} from './helpers.mjs';

const ORGANISER = 'cs_admin';
const STUDENT = '2023010101';
const CLASSMATES = ['2023010102', '2023010103', '2023010104', '2023010105'];
const TITLE = `第二课堂讲座满意度调查 ${Date.now().toString(36)}`;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Nothing is wider than the viewport (no sideways scrolling of the page on a phone). */
async function assertNoOverflow(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${what}: the page is ${scroll}px wide in a ${width}px viewport`);
}

/** A token of any demo student (they share the demo password). */
async function studentToken(username) {
  const { password } = account(STUDENT);
  const login = await api('POST', '/api/auth/login', null, { username, password });
  return login.access_token;
}

test('an organiser builds and publishes a survey, a student answers it on a phone, the organiser reads the results', { timeout: 240_000 }, async () => {
  const desktop = await newPage(browser, DESKTOP);
  const phone = await newPage(browser, PHONE);
  try {
    // 问卷 from the navigation: the list, then a new survey.
    await signIn(desktop, ORGANISER);
    await desktop.locator(tid('nav-surveys')).click();
    await desktop.waitForURL(/\/surveys$/);
    await desktop.locator(tid('survey-new')).click();
    await desktop.waitForURL(/\/surveys\/new$/);
    await desktop.locator(tid('survey-title-input')).fill(TITLE);
    await desktop.locator(tid('survey-description')).fill('匿名填写，约一分钟。');
    await desktop.locator(tid('survey-target-kind')).selectOption('intake');
    await desktop.locator(tid('survey-year')).fill('2023');
    // Anonymous is the default.
    assert.equal(await desktop.locator(tid('survey-anonymous')).isChecked(), true);
    await desktop.locator(tid('survey-q0-title')).fill('你对本学期讲座的总体满意度？');
    await desktop.locator(tid('survey-q0-options')).fill('非常满意\n满意\n一般\n不满意');
    await desktop.locator(tid('survey-add-question')).click();
    await desktop.locator(tid('survey-q1-kind')).selectOption('stars');
    await desktop.locator(tid('survey-q1-title')).fill('签到体验评分');
    await desktop.locator(tid('survey-q1-required')).check();
    await desktop.locator(tid('survey-add-question')).click();
    await desktop.locator(tid('survey-q2-kind')).selectOption('text');
    await desktop.locator(tid('survey-q2-title')).fill('你的建议');
    await shot(desktop, 'survey-edit-desktop.png');

    // A rule of shared, before the server: an empty title names its field.
    await desktop.locator(tid('survey-title-input')).fill('');
    await desktop.locator(tid('survey-save')).click();
    await waitForText(desktop, tid('survey-title-error'), '1–100');
    await desktop.locator(tid('survey-title-input')).fill(TITLE);

    await desktop.locator(tid('survey-save')).click();
    await desktop.waitForURL(/\/surveys\/\d+\/edit$/, { timeout: 15_000 });
    const id = Number(desktop.url().match(/\/surveys\/(\d+)\/edit$/)[1]);
    await desktop.locator(tid('survey-publish')).click();
    await desktop.waitForURL(/\/surveys\/\d+\/results$/, { timeout: 15_000 });
    await desktop.locator(tid('survey-suppressed')).waitFor({ timeout: 15_000 });
    await shot(desktop, 'survey-results-empty-desktop.png');

    // The student: the home card on a phone, the anonymity said before answering.
    await signIn(phone, STUDENT);
    await phone.goto(`${baseUrl}/`);
    const card = phone.locator(`${tid('home-survey')}[data-id="${id}"]`);
    await card.waitFor({ timeout: 15_000 });
    await shot(phone, 'survey-home-card-phone.png');
    await card.locator('a').click();
    await phone.waitForURL(new RegExp(`/surveys/${id}$`));
    await waitForText(phone, tid('survey-title'), TITLE);
    assert.equal(await phone.locator(tid('survey-anonymity')).getAttribute('data-anonymous'), 'true');
    await waitForText(phone, tid('survey-anonymity'), '匿名问卷');
    await assertNoOverflow(phone, '填写问卷');

    // Submitting without the required answers scrolls to the first and says why.
    await phone.locator(tid('survey-submit')).click();
    await waitForText(phone, tid('survey-q0-error'), '此题必答');
    await shot(phone, 'survey-answer-errors-phone.png');

    await phone.locator(tid('survey-q0-o1')).click();
    await phone.locator(tid('survey-q1-stars-4')).click();
    await phone.locator(tid('survey-q2-text')).fill('希望多安排晚上的讲座');
    await phone.locator(tid('survey-submit')).click();
    await waitForText(phone, tid('survey-outcome'), '提交成功');
    await phone.locator(tid('survey-answered')).waitFor();
    // The edit key stays on this phone only.
    const key = await phone.evaluate((s) => localStorage.getItem(`survey_edit_key_${s}`), id);
    assert.match(key ?? '', /^[0-9a-f]{64}$/);
    await shot(phone, 'survey-answered-phone.png');
    await phone.locator(tid('lang-switch')).first().click();
    await waitForText(phone, tid('survey-anonymity'), 'Anonymous');
    await shot(phone, 'survey-answered-phone-en.png');
    await phone.locator(tid('lang-switch')).first().click();

    // Four classmates answer: five respondents, enough to show the results.
    for (const [i, who] of CLASSMATES.entries()) {
      const token = await studentToken(who);
      await api('PUT', `/api/surveys/${id}/response`, token, {
        answers: [{ choices: [i % 3] }, { rating: 3 + (i % 3) }, { text: `建议${i + 1}` }],
      });
    }
    await desktop.reload();
    const results = desktop.locator(tid('survey-results'));
    await results.waitFor({ timeout: 15_000 });
    assert.equal(await results.getAttribute('data-respondents'), '5');
    assert.equal(await results.getAttribute('data-suppressed'), 'false');
    assert.equal(await desktop.locator(tid('survey-bars')).count(), 2);
    const texts = await desktop.locator(`${tid('survey-texts')} li`).allInnerTexts();
    assert.deepEqual(texts, [...texts].sort(), 'text answers come sorted');
    assert.ok(texts.includes('希望多安排晚上的讲座'));
    await shot(desktop, 'survey-results-desktop.png');

    // The results on the organiser's phone too.
    const organiserPhone = await newPage(browser, PHONE);
    try {
      await signIn(organiserPhone, ORGANISER);
      await organiserPhone.goto(`${baseUrl}/surveys/${id}/results`);
      await organiserPhone.locator(tid('survey-results')).waitFor({ timeout: 15_000 });
      await assertNoOverflow(organiserPhone, '问卷结果');
      await shot(organiserPhone, 'survey-results-phone.png');
      await organiserPhone.goto(`${baseUrl}/surveys/${id}/edit`);
      await organiserPhone.locator(tid('survey-form')).waitFor({ timeout: 15_000 });
      await assertNoOverflow(organiserPhone, '编辑问卷');
      await shot(organiserPhone, 'survey-edit-phone.png');
      assert.deepEqual(organiserPhone.errors, []);
    } finally {
      await organiserPhone.context().close();
    }

    // Another intake: a group too small to show.
    await desktop.locator(tid('survey-filter-year')).fill('2024');
    await desktop.locator(tid('survey-filter-year')).press('Enter');
    await desktop.waitForURL(/year=2024/);
    await desktop.locator(tid('survey-suppressed')).waitFor({ timeout: 15_000 });
    await shot(desktop, 'survey-results-suppressed-desktop.png');

    // The organiser's list.
    await desktop.goto(`${baseUrl}/surveys`);
    const row = desktop.locator(`${tid('survey-row')}[data-id="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await shot(desktop, 'surveys-list-desktop.png');
    await desktop.locator(tid('lang-switch')).first().click();
    await waitForText(desktop, 'h1', 'Surveys');
    await shot(desktop, 'surveys-list-desktop-en.png');
    await desktop.locator(tid('lang-switch')).first().click();

    assert.deepEqual(desktop.errors, []);
    assert.deepEqual(phone.errors, []);
  } finally {
    await desktop.context().close();
    await phone.context().close();
  }
});
