"""Members' identifying data as a job site holds it: names, e-mail, birth date, university.

Every string here is encodable in Shift_JIS (cp932), because employers' HR systems export
that way and the employer files must round-trip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fairfollow.season.population import Students

SURNAMES: tuple[tuple[str, str], ...] = (
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
    ("前田", "マエダ"),
    ("岡田", "オカダ"),
)
GIVEN_F: tuple[tuple[str, str], ...] = (
    ("陽菜", "ヒナ"),
    ("結衣", "ユイ"),
    ("美咲", "ミサキ"),
    ("さくら", "サクラ"),
    ("愛", "アイ"),
    ("彩花", "アヤカ"),
    ("七海", "ナナミ"),
    ("葵", "アオイ"),
    ("真由", "マユ"),
    ("優花", "ユウカ"),
    ("千尋", "チヒロ"),
    ("奈々", "ナナ"),
    ("麻衣", "マイ"),
    ("由佳", "ユカ"),
    ("彩", "アヤ"),
    ("舞", "マイ"),
)
GIVEN_M: tuple[tuple[str, str], ...] = (
    ("翔太", "ショウタ"),
    ("大輝", "ダイキ"),
    ("拓海", "タクミ"),
    ("健太", "ケンタ"),
    ("翔", "ショウ"),
    ("大和", "ヤマト"),
    ("陸", "リク"),
    ("蓮", "レン"),
    ("悠斗", "ユウト"),
    ("颯太", "ソウタ"),
    ("直樹", "ナオキ"),
    ("亮", "リョウ"),
    ("和也", "カズヤ"),
    ("達也", "タツヤ"),
    ("雄太", "ユウタ"),
    ("智也", "トモヤ"),
)
UNIVERSITIES: tuple[tuple[str, str, int], ...] = (
    ("東都大学", "toto-u.ac.jp", 1),
    ("西京大学", "saikyo-u.ac.jp", 1),
    ("北陵大学", "hokuryo-u.ac.jp", 1),
    ("中央理科大学", "chuo-rika.ac.jp", 1),
    ("青葉大学", "aoba-u.ac.jp", 2),
    ("明和大学", "meiwa-u.ac.jp", 2),
    ("桜丘大学", "sakuragaoka.ac.jp", 2),
    ("港南大学", "konan-u.ac.jp", 2),
    ("緑川大学", "midorikawa.ac.jp", 2),
    ("白鷺大学", "shirasagi.ac.jp", 3),
    ("若葉大学", "wakaba-u.ac.jp", 3),
    ("朝日野大学", "asahino.ac.jp", 3),
    ("星川大学", "hoshikawa.ac.jp", 3),
    ("三山大学", "miyama-u.ac.jp", 3),
    ("東雲大学", "shinonome.ac.jp", 3),
    ("浜風大学", "hamakaze.ac.jp", 4),
    ("高原大学", "kogen-u.ac.jp", 4),
    ("春日台大学", "kasugadai.ac.jp", 4),
    ("南海学院大学", "nankai-gakuin.ac.jp", 4),
    ("湖北大学", "kohoku-u.ac.jp", 4),
)


@dataclass(frozen=True)
class Identities:
    name_kanji: NDArray[np.str_]
    name_kana: NDArray[np.str_]
    email: NDArray[np.str_]
    birth_date: NDArray[np.str_]  # YYYY-MM-DD
    university: NDArray[np.str_]


def make_identities(rng: np.random.Generator, students: Students, season: int) -> Identities:
    n = students.size
    surname = rng.integers(0, len(SURNAMES), n)
    female = students.gender == 0
    given_f = rng.integers(0, len(GIVEN_F), n)
    given_m = rng.integers(0, len(GIVEN_M), n)
    sur_kanji = np.array([s[0] for s in SURNAMES])[surname]
    sur_kana = np.array([s[1] for s in SURNAMES])[surname]
    giv_kanji = np.where(
        female,
        np.array([g[0] for g in GIVEN_F])[given_f],
        np.array([g[0] for g in GIVEN_M])[given_m],
    )
    giv_kana = np.where(
        female,
        np.array([g[1] for g in GIVEN_F])[given_f],
        np.array([g[1] for g in GIVEN_M])[given_m],
    )
    tiers = np.array([u[2] for u in UNIVERSITIES])
    uni = np.empty(n, dtype=np.int64)
    for tier in range(1, 5):
        pool = np.flatnonzero(tiers == tier)
        mask = students.tier == tier
        uni[mask] = pool[rng.integers(0, pool.size, int(mask.sum()))]
    domain = np.array([u[1] for u in UNIVERSITIES])[uni]
    email = np.char.add(np.char.add("s", students.member_id.astype(str)), np.char.add("@", domain))
    # Class of `season` graduates in March `season`: born April (season-23) .. March (season-22).
    born = np.datetime64(f"{season - 23}-04-02") + rng.integers(0, 365, n)
    born = born - np.where(rng.random(n) < 0.1, 365, 0)
    return Identities(
        name_kanji=np.char.add(np.char.add(sur_kanji, " "), giv_kanji),
        name_kana=np.char.add(np.char.add(sur_kana, " "), giv_kana),
        email=email,
        birth_date=np.datetime_as_string(born.astype("datetime64[D]"), unit="D"),
        university=np.array([u[0] for u in UNIVERSITIES])[uni],
    )
