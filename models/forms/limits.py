"""Every bound on the work one form file may cost, checked before or while its cells are read."""

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
MAX_PACKING_RATIO = 200  # real sheets compress 5–20×; a bomb, thousands
MAX_ROWS = 1_000_000  # a row number beyond this is refused (Excel's own limit is 1,048,576)
MAX_COLUMNS = 256  # a form has about ten
MAX_CELLS = 10_000_000
MAX_FIELD_CHARS = 32_768  # one CSV field, one text cell (Excel's own limit)
MAX_JSON_DEPTH = 8  # an object of lists of objects is 3 deep
MAX_NUMBER_CHARS = 40  # digits of a number in JSON or text
PROLOG_BYTES = 4096  # an XML part's prolog, where a DOCTYPE would be
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook or an old .xls
