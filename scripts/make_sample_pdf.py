"""Regenerate the sample earnings release PDF shipped in src/earnest/samples/docs (fictional)."""

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

OUT = Path(__file__).resolve().parent.parent / "src/earnest/samples/docs/NWIN_Q3_FY2024_earnings_release.pdf"

PAGES = [
    ["Northwind Instruments Reports Third Quarter Fiscal 2024 Results",
     "October 24, 2024 (fictional sample document written for Earnest)",
     "",
     "Northwind Instruments, Inc. (NWIN) today reported results for the third quarter of",
     "fiscal 2024, which ended September 28, 2024.",
     "",
     "Revenue was $412.6 million, a decrease of 7.8% compared with the third quarter of fiscal",
     "2023. Lower industrial sensor shipments to European automotive customers and the end of",
     "life of the X200 analyzer line drove the decline, partly offset by growth in medical",
     "imaging components.",
     "",
     "GAAP gross margin was 41.2%, compared with 43.5% a year ago.",
     "Diluted earnings per share were $0.87, compared with $1.02 a year ago.",
     "Free cash flow was $64.0 million.",
     "",
     "Outlook: for the fourth quarter of fiscal 2024 the company expects revenue of $420 million",
     "to $440 million and gross margin of 41% to 42%."],
    ["Condensed Consolidated Statement of Operations (unaudited)",
     "(In millions, except per share amounts)   Q3 FY2024   Q3 FY2023",
     "Revenue   412.6   447.5",
     "Cost of revenue   242.6   252.8",
     "Gross profit   170.0   194.7",
     "Operating expenses   121.4   125.2",
     "Operating income   48.6   69.5",
     "Net income   37.9   45.3",
     "Diluted earnings per share   0.87   1.02",
     "",
     "Revenue by segment   Q3 FY2024   Q3 FY2023",
     "Industrial sensors   201.3   238.9",
     "Medical imaging components   163.2   143.2",
     "Legacy analyzers   0.4   18.3",
     "Services   47.7   47.1"],
]


def main() -> None:
    c = canvas.Canvas(str(OUT), pagesize=letter)
    c.setTitle("Northwind Instruments Q3 FY2024 earnings release (fictional)")
    for number, lines in enumerate(PAGES, start=1):
        y = 720
        for i, line in enumerate(lines):
            c.setFont("Helvetica-Bold" if i == 0 else "Helvetica", 13 if i == 0 else 10.5)
            c.drawString(72, y, line)
            y -= 20 if i == 0 else 15
        c.setFont("Helvetica", 8)
        c.drawString(72, 40, f"Northwind Instruments - page {number}")
        c.showPage()
    c.save()


if __name__ == "__main__":
    main()
