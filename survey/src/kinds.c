/*
 * kinds.c - the registry of journal entry kinds (kinds.h, kinds_int.h): one row per kind.
 *
 * Adding a kind is a row here, its derivation function (and state table) in state.c, its
 * recording call in journal.c, its tests, and the screens and commands that show it; nothing
 * else spells kind names. Rows never change meaning: a kind's name and payload version are in
 * journals already signed and sent.
 */
#include <string.h>

#include "kinds_int.h"

static const sv__kind KINDS[] = {
    {{"init", 1, SV_KIND_COUNTY_INDEX | SV_KIND_SETTING, "st_codes", "",
      "the journal's first entry: device, crew, CRS, seed code lists"},
     sv__apply_init},
    {{"unit", 1, SV_KIND_COUNTY_INDEX, "st_units", "unit",
      "a registration unit assigned to the device: code, ownership fields, draft geometry"},
     sv__apply_unit},
    {{"point", 2, SV_KIND_COUNTY_INDEX | SV_KIND_VOIDABLE, "st_points", "boundary_point",
      "a boundary point (J/T number) with its GNSS provenance"},
     sv__apply_point},
    {{"vertex", 1, SV_KIND_VOIDABLE, "st_vertices", "track,walked_polygon",
      "a vertex of a walked boundary"},
     sv__apply_vertex},
    {{"line", 1, SV_KIND_VOIDABLE, "st_lines", "boundary_line",
      "a boundary line between two points: category, position, nature, neighbour"},
     sv__apply_line},
    {{"verify", 1, SV_KIND_COUNTY_INDEX | SV_KIND_VOIDABLE, "st_verifications", "unit",
      "the verification of one ownership field"},
     sv__apply_verify},
    {{"dispute", 1, SV_KIND_VOIDABLE, "st_disputes", "boundary_line",
      "an ownership dispute: parties, statement, stretch or area, document number"},
     sv__apply_dispute},
    {{"attend", 1, SV_KIND_VOIDABLE, "st_attendance", "",
      "a party's attendance at pointing out the boundary (present, proxy, absent)"},
     sv__apply_attend},
    {{"sign", 1, SV_KIND_VOIDABLE, "st_signatures", "signature",
      "a party's signature: pad strokes and the digest of the boundary it covers"},
     sv__apply_sign},
    {{"code", 1, SV_KIND_SETTING, "st_codes", "", "a code added to a code list"}, sv__apply_code},
    {{"config", 1, SV_KIND_SETTING, "st_config", "", "a journal setting"}, sv__apply_config},
    {{"note", 1, SV_KIND_VOIDABLE, "st_notes", "note",
      "a note on a unit, one of its boundary points or a line, with an optional phrase code"},
     sv__apply_note},
    {{"settle", 1, SV_KIND_VOIDABLE, "st_settlements", "boundary_line",
      "the on-site settlement of a dispute: agreement text and number (the lines become settled)"},
     sv__apply_settle},
    {{"attach", 1, SV_KIND_VOIDABLE, "st_attachments", "",
      "a file kept with a unit (a photograph of the signed form, a marker, the site): its SHA-256, "
      "type, size, name and what it is; the bytes travel on their own"},
     sv__apply_attach},
    {{"share", 1, SV_KIND_COUNTY_INDEX | SV_KIND_VOIDABLE, "st_points", "boundary_point",
      "a neighbouring unit's boundary point used as one of this unit's own (共用界址点): the "
      "same point under this unit's number, following that point's measurement"},
     sv__apply_share},
    {{"void", 1, SV_KIND_COUNTY_INDEX, "st_voided", "",
      "the withdrawal of an earlier entry, with a reason"},
     sv__apply_void},
    {{"decision", 1, 0, NULL, "",
      "a county office decision on a unit (return, accept, notice, objection, review), in the "
      "office's own journal"},
     sv__apply_decision},
};

#define N_KINDS (sizeof KINDS / sizeof KINDS[0])

const sv__kind *sv__kind_find(const char *name)
{
    for (size_t i = 0; name && i < N_KINDS; i++)
        if (strcmp(KINDS[i].info.name, name) == 0)
            return &KINDS[i];
    return NULL;
}

const sv_kind_info *sv_kind_find(const char *name)
{
    const sv__kind *k = sv__kind_find(name);
    return k ? &k->info : NULL;
}

const sv_kind_info *sv_kind_at(size_t i)
{
    return i < N_KINDS ? &KINDS[i].info : NULL;
}
