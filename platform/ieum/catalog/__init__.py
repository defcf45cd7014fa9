"""The open-market program catalog engine (DESIGN.md section 8): program definitions, the
income engine (소득인정액), evaluation of one household, vectorised simulation over a
population, synthetic populations, similar-program search and 복지멤버십 eligibility.

No web and no database here: the catalog platform (tables, lifecycle, studio, applications)
builds on these modules.
"""
