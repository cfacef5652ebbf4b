"""Where a filing says what: the SEC forms' items and the FASB Codification's topics, as data.

Every entry cites its source. Items are the Form 10-K and Form 10-Q item lists (the forms'
own titles, as printed in each form's general instructions), with the titles of the
Regulation S-K items each form item calls for, and the Form 8-K item list (its General
Instructions B, Items 1.01-9.01). Topics are the FASB Accounting Standards
Codification topic titles and, where a filing's note is usually titled by one of them, the
titles of their subtopics. Questions are routed by these titles' words (see
``section_routing.section_match``); nothing here comes from a development question.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FormItem:
    form: str  # 10-K | 10-Q | 8-K
    part: str  # I | II | III | IV; an 8-K's section ("2" for Item 2.02)
    item: str  # "1A"
    title: str  # the form's own title
    source: str
    also: tuple[str, ...] = ()  # titles of the Regulation S-K items it calls for

    @property
    def label(self) -> str:
        if self.form == "10-Q":
            return f"Part {self.part}, Item {self.item}. {self.title}"
        return f"Item {self.item}. {self.title}"


@dataclass(frozen=True, slots=True)
class AscTopic:
    code: str  # "805"
    title: str
    subtopics: tuple[str, ...] = ()  # subtopic titles ("805-40 Reverse Acquisitions")

    @property
    def source(self) -> str:
        return f"FASB ASC Topic {self.code}"


def _k(part: str, item: str, title: str, source: str, *also: str) -> FormItem:
    return FormItem("10-K", part, item, title, f"Form 10-K Part {part} Item {item}; {source}",
                    also)


def _q(part: str, item: str, title: str, source: str, *also: str) -> FormItem:
    return FormItem("10-Q", part, item, title, f"Form 10-Q Part {part} Item {item}; {source}",
                    also)


FORM_10K: tuple[FormItem, ...] = (
    _k("I", "1", "Business", "S-K Item 101", "Description of business"),
    _k("I", "1A", "Risk Factors", "S-K Item 105", "Risk factors"),
    _k("I", "1B", "Unresolved Staff Comments", "Form 10-K Item 1B"),
    _k("I", "1C", "Cybersecurity", "S-K Item 106", "Cybersecurity"),
    _k("I", "2", "Properties", "S-K Item 102", "Description of property"),
    _k("I", "3", "Legal Proceedings", "S-K Item 103", "Legal proceedings"),
    _k("I", "4", "Mine Safety Disclosures", "S-K Item 104", "Mine safety disclosure"),
    _k("II", "5", "Market for Registrant's Common Equity, Related Stockholder Matters and "
       "Issuer Purchases of Equity Securities", "S-K Items 201, 701, 703",
       "Market price of and dividends on the registrant's common equity and related "
       "stockholder matters", "Purchases of equity securities by the issuer and affiliated "
       "purchasers"),
    _k("II", "6", "Selected Financial Data", "S-K Item 301 (removed in 2021; the item is "
       "now [Reserved])", "Selected financial data", "Reserved"),
    _k("II", "7", "Management's Discussion and Analysis of Financial Condition and Results "
       "of Operations", "S-K Item 303", "Management's discussion and analysis"),
    _k("II", "7A", "Quantitative and Qualitative Disclosures About Market Risk",
       "S-K Item 305"),
    _k("II", "8", "Financial Statements and Supplementary Data", "Regulation S-X; S-K Item "
       "302", "Supplementary financial information"),
    _k("II", "9", "Changes in and Disagreements With Accountants on Accounting and Financial "
       "Disclosure", "S-K Item 304"),
    _k("II", "9A", "Controls and Procedures", "S-K Items 307, 308",
       "Disclosure controls and procedures", "Internal control over financial reporting"),
    _k("II", "9B", "Other Information", "Form 10-K Item 9B"),
    _k("II", "9C", "Disclosure Regarding Foreign Jurisdictions that Prevent Inspections",
       "Form 10-K Item 9C"),
    _k("III", "10", "Directors, Executive Officers and Corporate Governance",
       "S-K Items 401, 405, 406, 407", "Directors, executive officers, promoters and control "
       "persons", "Code of ethics", "Corporate governance"),
    _k("III", "11", "Executive Compensation", "S-K Item 402", "Executive compensation"),
    _k("III", "12", "Security Ownership of Certain Beneficial Owners and Management and "
       "Related Stockholder Matters", "S-K Items 201(d), 403"),
    _k("III", "13", "Certain Relationships and Related Transactions, and Director "
       "Independence", "S-K Items 404, 407(a)", "Transactions with related persons"),
    _k("III", "14", "Principal Accountant Fees and Services", "Schedule 14A Item 9(e)"),
    _k("IV", "15", "Exhibits and Financial Statement Schedules", "S-K Item 601", "Exhibits"),
    _k("IV", "16", "Form 10-K Summary", "Form 10-K Item 16"),
)

FORM_10Q: tuple[FormItem, ...] = (
    _q("I", "1", "Financial Statements", "Regulation S-X Rule 10-01"),
    _q("I", "2", "Management's Discussion and Analysis of Financial Condition and Results "
       "of Operations", "S-K Item 303", "Management's discussion and analysis"),
    _q("I", "3", "Quantitative and Qualitative Disclosures About Market Risk", "S-K Item 305"),
    _q("I", "4", "Controls and Procedures", "S-K Items 307, 308(c)",
       "Disclosure controls and procedures", "Internal control over financial reporting"),
    _q("II", "1", "Legal Proceedings", "S-K Item 103", "Legal proceedings"),
    _q("II", "1A", "Risk Factors", "S-K Item 105", "Risk factors"),
    _q("II", "2", "Unregistered Sales of Equity Securities and Use of Proceeds",
       "S-K Items 701, 703", "Purchases of equity securities by the issuer and affiliated "
       "purchasers"),
    _q("II", "3", "Defaults Upon Senior Securities", "Form 10-Q Part II Item 3"),
    _q("II", "4", "Mine Safety Disclosures", "S-K Item 104", "Mine safety disclosure"),
    _q("II", "5", "Other Information", "Form 10-Q Part II Item 5"),
    _q("II", "6", "Exhibits", "S-K Item 601", "Exhibits"),
)

def _8k(item: str, title: str, *also: str) -> FormItem:
    return FormItem("8-K", item.split(".")[0], item, title,
                    f"Form 8-K General Instructions B, Item {item}", also)


# Form 8-K's items, by section (1 Registrant's Business and Operations, 2 Financial
# Information, 3 Securities and Trading Markets, 4 Matters Related to Accountants and
# Financial Statements, 5 Corporate Governance and Management, 6 Asset-Backed Securities,
# 7 Regulation FD, 8 Other Events, 9 Financial Statements and Exhibits).
FORM_8K: tuple[FormItem, ...] = (
    _8k("1.01", "Entry into a Material Definitive Agreement"),
    _8k("1.02", "Termination of a Material Definitive Agreement"),
    _8k("1.03", "Bankruptcy or Receivership"),
    _8k("1.04", "Mine Safety - Reporting of Shutdowns and Patterns of Violations"),
    _8k("1.05", "Material Cybersecurity Incidents"),
    _8k("2.01", "Completion of Acquisition or Disposition of Assets"),
    # The item under which an earnings release is furnished.
    _8k("2.02", "Results of Operations and Financial Condition"),
    _8k("2.03", "Creation of a Direct Financial Obligation or an Obligation under an "
        "Off-Balance Sheet Arrangement of a Registrant"),
    _8k("2.04", "Triggering Events That Accelerate or Increase a Direct Financial Obligation "
        "or an Obligation under an Off-Balance Sheet Arrangement"),
    _8k("2.05", "Costs Associated with Exit or Disposal Activities"),
    _8k("2.06", "Material Impairments"),
    _8k("3.01", "Notice of Delisting or Failure to Satisfy a Continued Listing Rule or "
        "Standard; Transfer of Listing"),
    _8k("3.02", "Unregistered Sales of Equity Securities"),
    _8k("3.03", "Material Modification to Rights of Security Holders"),
    _8k("4.01", "Changes in Registrant's Certifying Accountant"),
    _8k("4.02", "Non-Reliance on Previously Issued Financial Statements or a Related Audit "
        "Report or Completed Interim Review"),
    _8k("5.01", "Changes in Control of Registrant"),
    _8k("5.02", "Departure of Directors or Certain Officers; Election of Directors; "
        "Appointment of Certain Officers; Compensatory Arrangements of Certain Officers"),
    _8k("5.03", "Amendments to Articles of Incorporation or Bylaws; Change in Fiscal Year"),
    _8k("5.04", "Temporary Suspension of Trading Under Registrant's Employee Benefit Plans"),
    _8k("5.05", "Amendments to the Registrant's Code of Ethics, or Waiver of a Provision of "
        "the Code of Ethics"),
    _8k("5.06", "Change in Shell Company Status"),
    _8k("5.07", "Submission of Matters to a Vote of Security Holders"),
    _8k("5.08", "Shareholder Director Nominations"),
    _8k("6.01", "ABS Informational and Computational Material"),
    _8k("6.02", "Change of Servicer or Trustee"),
    _8k("6.03", "Change in Credit Enhancement or Other External Support"),
    _8k("6.04", "Failure to Make a Required Distribution"),
    _8k("6.05", "Securities Act Updating Disclosure"),
    _8k("6.06", "Static Pool"),
    _8k("7.01", "Regulation FD Disclosure"),
    _8k("8.01", "Other Events"),
    _8k("9.01", "Financial Statements and Exhibits", "Exhibits"),
)


@dataclass(frozen=True, slots=True)
class ReleasePart:
    """A part of an earnings release recognised by its heading's words (a release has no
    required layout; these are the parts its conventions or rules give it)."""
    label: str
    # A regular expression over the heading line (case-insensitive): a heading names its
    # part at its start or its end ("Fiscal 2024 Guidance", not "Company Raises Outlook
    # for Fiscal Year 2023", a headline).
    heading: str
    names: tuple[str, ...]  # what a question about it says (routing)
    source: str


RELEASE_PARTS: tuple[ReleasePart, ...] = (
    ReleasePart("Highlights", r"^highlights\b|\bhighlights$", ("Highlights",),
                "the release's summary of the period (a heading the release prints)"),
    ReleasePart("Outlook", r"^(?:outlook|guidance)\b|\b(?:outlook|guidance)$", ("Outlook", "Guidance"),
                "forward-looking guidance, the part the PSLRA safe harbor covers"),
    ReleasePart("Non-GAAP Reconciliation",
                r"\breconciliation\b|\bnon-?gaap\b.*\b(?:measures?|information|reconcil)",
                ("Reconciliation of non-GAAP financial measures", "Non-GAAP measures",
                 "Adjusted measures"),
                "Regulation G (17 CFR 244.100) and S-K Item 10(e): a non-GAAP measure is "
                "presented with a reconciliation to the most comparable GAAP measure"),
    ReleasePart("Financial Statements",
                r"^(?:(?:u\.?s\.?\s+)?gaap\s+)?(?:unaudited\s+)?(?:condensed\s+)?"
                r"(?:consolidated\s+balance\s+sheets?|"
                r"(?:consolidated\s+)?statements?\s+of\s+(?:operations|income|earnings|"
                r"cash\s+flows?|comprehensive|financial\s+position))\b",
                ("Statement of operations", "Balance sheet", "Statement of cash flows"),
                "the statements' own titles (Regulation S-X); Form 8-K Item 2.02"),
    ReleasePart("Conference Call", r"^(?:conference\s+call|webcast)\b",
                ("Conference call", "Webcast"),
                "the call's dial-in notice (Regulation FD: public access to the call)"),
    ReleasePart("About the Company", r"^about\s+\S", ("About the company",),
                "the issuer's standing description"),
    ReleasePart("Forward-Looking Statements",
                r"forward[\s\-\u2010\u2011]*looking\b.*\b(?:statements?|information)$|"
                r"safe\s+harbor|^cautionary\s+(?:statements?|note)",
                ("Forward-looking statements", "Safe harbor", "Cautionary statement"),
                "the Private Securities Litigation Reform Act of 1995 safe harbor "
                "(Securities Act s. 27A, Exchange Act s. 21E)"),
)
# The release's opening, before its first recognised heading: headline, dateline, summary.
RELEASE_OPENING = "Headline and Summary"

# The item of each form that holds the financial statements, and so the notes.
STATEMENTS_ITEM = {"10-K": "8", "10-Q": "1"}

ASC_TOPICS: tuple[AscTopic, ...] = (
    AscTopic("205", "Presentation of Financial Statements",
             ("205-20 Discontinued Operations", "205-40 Going Concern")),
    AscTopic("210", "Balance Sheet", ("210-20 Offsetting",)),
    AscTopic("215", "Statement of Shareholder Equity"),
    AscTopic("220", "Income Statement - Reporting Comprehensive Income"),
    AscTopic("230", "Statement of Cash Flows"),
    AscTopic("235", "Notes to Financial Statements", ("235-10-50 Disclosure of Accounting Policies",)),
    AscTopic("250", "Accounting Changes and Error Corrections"),
    AscTopic("260", "Earnings Per Share"),
    AscTopic("270", "Interim Reporting"),
    AscTopic("275", "Risks and Uncertainties"),
    AscTopic("280", "Segment Reporting", ("280-10-50 Information about geographic areas",)),
    AscTopic("310", "Receivables", ("310-40 Troubled Debt Restructurings by Creditors",)),
    AscTopic("320", "Investments - Debt Securities"),
    AscTopic("321", "Investments - Equity Securities"),
    AscTopic("323", "Investments - Equity Method and Joint Ventures"),
    AscTopic("325", "Investments - Other"),
    AscTopic("326", "Financial Instruments - Credit Losses"),
    AscTopic("330", "Inventory"),
    AscTopic("340", "Other Assets and Deferred Costs", ("340-40 Contracts with Customers",)),
    AscTopic("350", "Intangibles - Goodwill and Other",
             ("350-20 Goodwill", "350-30 General Intangibles Other than Goodwill",
              "350-40 Internal-Use Software")),
    AscTopic("360", "Property, Plant, and Equipment",
             ("360-10 Impairment or Disposal of Long-Lived Assets",)),
    AscTopic("405", "Liabilities"),
    AscTopic("410", "Asset Retirement and Environmental Obligations",
             ("410-20 Asset Retirement Obligations", "410-30 Environmental Obligations")),
    AscTopic("420", "Exit or Disposal Cost Obligations"),
    AscTopic("430", "Deferred Revenue"),
    AscTopic("440", "Commitments"),
    AscTopic("450", "Contingencies", ("450-20 Loss Contingencies", "450-30 Gain Contingencies")),
    AscTopic("460", "Guarantees"),
    AscTopic("470", "Debt", ("470-20 Debt with Conversion and Other Options",
                             "470-50 Modifications and Extinguishments")),
    AscTopic("480", "Distinguishing Liabilities from Equity"),
    AscTopic("505", "Equity", ("505-20 Stock Dividends and Stock Splits",
                               "505-30 Treasury Stock")),
    AscTopic("606", "Revenue from Contracts with Customers"),
    AscTopic("610", "Other Income", ("610-20 Gains and Losses from the Derecognition of "
                                     "Nonfinancial Assets",)),
    AscTopic("705", "Cost of Sales and Services"),
    AscTopic("710", "Compensation - General"),
    AscTopic("712", "Compensation - Nonretirement Postemployment Benefits"),
    AscTopic("715", "Compensation - Retirement Benefits",
             ("715-30 Defined Benefit Plans - Pension",
              "715-60 Defined Benefit Plans - Other Postretirement",
              "715-70 Defined Contribution Plans", "715-80 Multiemployer Plans")),
    AscTopic("718", "Compensation - Stock Compensation",
             ("718-20 Awards Classified as Equity", "718-50 Employee Share Purchase Plans")),
    AscTopic("720", "Other Expenses"),
    AscTopic("730", "Research and Development"),
    AscTopic("740", "Income Taxes"),
    AscTopic("805", "Business Combinations", ("805-40 Reverse Acquisitions",)),
    AscTopic("808", "Collaborative Arrangements"),
    AscTopic("810", "Consolidation", ("810-10 Variable Interest Entities (subsections of 810-10)",)),
    AscTopic("815", "Derivatives and Hedging"),
    AscTopic("820", "Fair Value Measurement"),
    AscTopic("825", "Financial Instruments"),
    AscTopic("830", "Foreign Currency Matters",
             ("830-20 Foreign Currency Transactions",
              "830-30 Translation of Financial Statements")),
    AscTopic("835", "Interest", ("835-20 Capitalization of Interest",
                                 "835-30 Imputation of Interest")),
    AscTopic("842", "Leases", ("842-20 Lessee", "842-30 Lessor",
                               "842-40 Sale and Leaseback Transactions")),
    AscTopic("845", "Nonmonetary Transactions"),
    AscTopic("850", "Related Party Disclosures"),
    AscTopic("852", "Reorganizations"),
    AscTopic("855", "Subsequent Events"),
    AscTopic("860", "Transfers and Servicing", ("860-20 Sales of Financial Assets",)),
)

__all__ = ["ASC_TOPICS", "AscTopic", "FORM_10K", "FORM_10Q", "FORM_8K", "FormItem",
           "RELEASE_OPENING", "RELEASE_PARTS", "ReleasePart", "STATEMENTS_ITEM"]
