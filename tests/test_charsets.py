"""Decoding by declared and sniffed charset; an encoding flip is not a change."""

import pytest

from monitor import store

CASES = {
    # name: (text on the page, encoding, how it is declared)
    "shift_jis header": ("日中人権対話の第十回会合が東京で開催されました。表現の自由と少数民族の権利について協議しました。",
                         "shift_jis", "header"),
    "shift_jis meta": ("日中人権対話の第十回会合が東京で開催されました。表現の自由と少数民族の権利について協議しました。",
                       "shift_jis", "meta"),
    "iso-8859-2 header": ("A magyar-kínai emberi jogi párbeszéd következő fordulóján szóba kerültek "
                          "a kisebbségi jogok és a vallásszabadság kérdései.", "iso-8859-2", "header"),
    "windows-1252 meta": ("Le dialogue sur les droits de l’homme s’est tenu à Genève — « une "
                          "étape », selon le ministère.", "windows-1252", "meta"),
    "utf-8 bom": ("Der Menschenrechtsdialog mit China fand in Berlin statt. Themen waren "
                  "Meinungsfreiheit und die Lage der Uiguren.", "utf-8-sig", "bom"),
}


def html_for(text, encoding, declared):
    charset = "utf-8" if encoding == "utf-8-sig" else encoding
    meta = f'<meta charset="{charset}">' if declared == "meta" else ""
    html = (f"<html><head>{meta}<title>Dialogue</title></head><body><main><h1>Dialogue</h1>"
            f"<p>{text}</p><p>{text}</p></main></body></html>")
    content_type = f"text/html; charset={charset}" if declared == "header" else "text/html"
    return html.encode(encoding), content_type


@pytest.mark.parametrize("name", sorted(CASES))
def test_decoding_and_encoding_flip(name, replica, make_config, crawl, open_db):
    text, encoding, declared = CASES[name]
    cfg = make_config({"id": "page", "path": "/page"})
    body, content_type = html_for(text, encoding, declared)
    replica.set("/page", body, content_type=content_type)
    assert crawl(cfg) == {"page": ("ok", "new")}
    version = store.versions(open_db(), "page")[0]
    assert text in store.text_of(open_db(), version["text_sha256"])

    # The same words, now served as UTF-8: different bytes, same text, no event.
    body, content_type = html_for(text, "utf-8", "header")
    replica.set("/page", body, content_type=content_type)
    assert crawl(cfg) == {"page": ("ok", None)}
    assert len(store.versions(open_db(), "page")) == 1
