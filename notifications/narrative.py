"""The report's words: what a leader reads first, written from the results (the blocks' means and what changed,
who leads and who trails, the largest rises and falls, the weakest fields, the satisfaction index, and the
reward and accountability lists with the rules that made them), in the style of a province's own report."""

from __future__ import annotations

from models.formatting import percent, signed
from models.report_data import BlockReport, CycleReport, UnitLine, group_title, mean_index
from models.words import words_in


def narrative(report: CycleReport, language: str = "vi") -> list[str]:
    """Paragraphs: one on the season, one a block, one on rewards and accountability."""
    t = words_in(language)
    pct = lambda value: percent(value, language, report.index_places)  # noqa: E731
    paragraphs = [t("story.season", year=report.year, units=sum(len(b.units) for b in report.blocks),
                    blocks=len(report.blocks), names=_listed([b.name for b in report.blocks], t))]
    for block in report.blocks:
        paragraphs.append(" ".join(_block_sentences(report, block, t, pct, language)))
    paragraphs.append(" ".join(_outcome_sentences(report, t, pct)))
    return paragraphs


def _listed(names: list[str], t) -> str:
    """"A, B và C" ("A, B and C")."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {t('story.and')} {names[-1]}"


def _named(units: list[UnitLine], pct, t) -> str:
    return _listed([f"{unit.name} ({pct(unit.index)})" for unit in units], t)


def _block_sentences(report: CycleReport, block: BlockReport, t, pct, language: str) -> list[str]:
    sentences = [t("story.block_mean", block=block.name, count=len(block.units), mean=pct(block.mean_index))]
    if block.mean_change is not None and block.mean_last_year is not None:
        key = "story.rose" if block.mean_change > 0 else "story.fell" if block.mean_change < 0 else "story.same"
        sentences.append(t(key, change=signed(abs(block.mean_change), language, report.index_places).lstrip("+"),
                           year=report.year - 1, previous=pct(block.mean_last_year)))
    leaders = [u for u in block.units if u.rank <= 3]
    sentences.append(t("story.leaders", units=_named(leaders, pct, t)))
    lowest = [u for u in block.units if u.rank == block.units[-1].rank]
    if lowest and lowest[0] not in leaders:
        sentences.append(t("story.lowest", units=_named(lowest, pct, t)))
    for name, members in block.groups():
        sentences.append(t("story.group", group=group_title(name, language),
                           mean=pct(mean_index(members, report.index_places)), count=len(members),
                           first=_named([u for u in members if u.rank_in_group == 1], pct, t)))
    changed = [u for u in block.units if u.change is not None]
    rises = sorted((u for u in changed if u.change and u.change > 0), key=lambda u: (-(u.change or 0), u.name))[:3]
    falls = sorted((u for u in changed if u.change and u.change < 0), key=lambda u: (u.change or 0, u.name))[:3]
    chg = lambda unit: signed(unit.change, language, report.index_places)  # noqa: E731
    if rises:
        sentences.append(t("story.rises", units=_listed([f"{u.name} ({chg(u)})" for u in rises], t)))
    if falls:
        sentences.append(t("story.falls", units=_listed([f"{u.name} ({chg(u)})" for u in falls], t)))
    means = block.field_means([code for code, _ in block.fields])
    titles = dict(block.fields)
    weakest = sorted(means, key=lambda code: (means[code], code))[:2]
    if weakest:
        sentences.append(t("story.weakest", fields=_listed(
            [f"{titles[code]} ({pct(means[code])})" for code in weakest], t)))
    if report.satisfaction_threshold is not None and block.has_satisfaction:
        reached, below = block.satisfaction_sides(report.satisfaction_threshold)
        sentences.append(t("story.satisfaction", reached=reached, below=below,
                           threshold=pct(report.satisfaction_threshold)))
    return sentences


def _outcome_sentences(report: CycleReport, t, pct) -> list[str]:
    band, share = report.reward_rule
    rewarded = [u for b in report.blocks for u in b.units if u.reward]
    sentences = [t("story.reward", count=len(rewarded), band=band, share=share) if rewarded
                 else t("story.reward_none", band=band)]
    this_year, two_years = report.accountability_rule
    flagged = [u for b in report.blocks for u in b.units if u.accountability]
    rule = t("story.accountability_rule", this_year=_listed(this_year, t) if this_year else "—",
             two_years=_listed(two_years, t) if two_years else "—")
    if flagged:
        sentences.append(t("story.accountability", count=len(flagged), units=_named(flagged, pct, t), rule=rule))
    else:
        sentences.append(t("story.accountability_none", rule=rule))
    unranked = [u for b in report.blocks for u in b.units if u.prior_kind in ("new", "merged")]
    if unranked and two_years:  # the two-years rule needs a rank last year: what it does for them
        new = [u.name for u in unranked if u.prior_kind == "new"]
        sentences.append(t("story.no_prior_rank", count=len(unranked), merged=len(unranked) - len(new),
                           new=_listed(new, t) if new else "—"))
    return sentences
