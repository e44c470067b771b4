"""Every bound on the work one form file may cost, checked before or while its cells are read."""

MAX_FILE_BYTES = 25 * 1024 * 1024
# XML parses at about 2 MB a second here: a workbook unpacks to at most 60 MB, and a part that is not a sheet
# (shared strings, styles) to at most 10 MB
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_PART_BYTES = 10 * 1024 * 1024
MAX_PACKING_RATIO = 200  # real sheets compress 5–20×; a bomb, thousands
MAX_ROWS = 300_000  # a row number beyond this is refused (Excel's own limit is 1,048,576)
MAX_SHEETS = 50
MAX_COLUMNS = 256  # a form has about ten
# cells of a workbook: its XML parses at about 60,000 cells a second on this machine (2 cores), so 300,000 cells
# (an appraisal of 400 units) stay within seconds; CSV and JSON read ten times faster: 5 million
MAX_CELLS = 300_000
MAX_TEXT_CELLS = 3_000_000
MAX_FIELD_CHARS = 32_768  # one CSV field, one text cell (Excel's own limit)
MAX_JSON_BYTES = 10 * 1024 * 1024  # JSON parses at about 5 MB a second here (CSV for larger tables)
MAX_JSON_DEPTH = 8  # an object of lists of objects is 3 deep
MAX_NUMBER_CHARS = 40  # digits of a number in JSON or text
PROLOG_BYTES = 4096  # an XML part's prolog, where a DOCTYPE would be
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook or an old .xls
