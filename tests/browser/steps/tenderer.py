"""Steps of the tenderer's pages (招标人, docs/frontend-tenderer.md) in the browser: register a project,
appoint its agent, open a project and decide on its tender documents; and the agent's side of an
appointment (create the project from it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect


@dataclass(frozen=True)
class RegistrationSpec:
    name: str
    approval_number: str
    funding_source: str
    estimate_yuan: str
    region: str = "江苏省南京市"
    note: str = ""


def registration_row(page: Page, name: str) -> Locator:
    """The registrations table's row of the project named ``name``."""
    return page.get_by_test_id("tenderer-registrations-table").locator("tr.el-table__row", has_text=name)


def open_projects(page: Page) -> None:
    page.goto("/tenderer/projects")
    expect(page.get_by_test_id("tenderer-registrations-table")).to_be_visible()


def fill_registration(page: Page, spec: RegistrationSpec) -> None:
    """In the open registration dialog: type the spec in."""
    page.get_by_test_id("tenderer-form-name").fill(spec.name)
    page.get_by_test_id("tenderer-form-approval-number").fill(spec.approval_number)
    page.get_by_test_id("tenderer-form-funding-source").fill(spec.funding_source)
    page.get_by_test_id("tenderer-form-estimate").fill(spec.estimate_yuan)
    page.get_by_test_id("tenderer-form-region").fill(spec.region)
    page.get_by_test_id("tenderer-form-note").fill(spec.note)


def register_project(page: Page, spec: RegistrationSpec) -> Locator:
    """On /tenderer/projects: register the project; returns its row (status 已登记)."""
    page.get_by_test_id("tenderer-register").click()
    fill_registration(page, spec)
    page.get_by_test_id("tenderer-form-save").click()
    expect(page.get_by_test_id("tenderer-notice")).to_contain_text("项目登记已保存")
    row = registration_row(page, spec.name)
    expect(row).to_contain_text("已登记")
    return row


def appoint(page: Page, name: str, agent_credit_code: str) -> None:
    """Appoint the agent of the registration ``name``; waits for the row to show it appointed."""
    row = registration_row(page, name)
    row.locator("[data-testid^='tenderer-appoint-']").click()
    page.get_by_test_id("tenderer-appoint-code").fill(agent_credit_code)
    page.get_by_test_id("tenderer-appoint-submit").click()
    expect(page.get_by_test_id("tenderer-notice")).to_contain_text("已委托")
    expect(row).to_contain_text("已委托")
    expect(row).to_contain_text(agent_credit_code)


def take_up(page: Page, name: str, code: str) -> str:
    """As the appointed agent on /agent/projects: create the project from the registration ``name``;
    returns the new project's id (the agent's project page opens)."""
    page.goto("/agent/projects")
    item = page.get_by_test_id("agent-appointment").filter(has_text=name)
    expect(item).to_be_visible()
    item.get_by_test_id("agent-appointment-code").fill(code)
    item.get_by_test_id("agent-appointment-take-up").click()
    expect(page).to_have_url(re.compile(r"/agent/projects/[0-9a-f-]{36}$"))
    expect(page.get_by_test_id("agent-project-code")).to_have_text(code)
    return page.url.rstrip("/").rsplit("/", 1)[1]


def open_project(page: Page, project_id: str) -> None:
    page.goto(f"/tenderer/projects/{project_id}")
    expect(page.get_by_test_id("tenderer-project-name")).to_be_visible()


def approve_documents(page: Page, version: int) -> None:
    """On the tenderer's project page: approve the current documents version ``version``."""
    expect(page.get_by_test_id("tenderer-documents-state")).to_have_text("待确认")
    page.get_by_test_id("tenderer-documents-approve").click()
    expect(page.get_by_test_id("tenderer-project-notice")).to_contain_text(f"已确认第 {version} 版招标文件")
    expect(page.get_by_test_id("tenderer-documents-state")).to_have_text("已确认")
