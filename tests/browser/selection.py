"""What the highlight tests in both browsers share: the phrase they highlight on the arXiv
fixture page, and the script that finds where it is drawn so a mouse can select it."""

ABSTRACT_PHRASE = "World models improve a learning agent's ability"

# Run in the page with the phrase as its argument: the phrase's first and last line boxes
# (scrolled into view), as points a drag goes from and to; null when it is not on the page.
PHRASE_BOX = """(phrase) => {
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(phrase);
            if (at < 0) continue;
            node.parentElement.scrollIntoView({block: 'center'});
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + phrase.length);
            const rects = [...range.getClientRects()];
            const first = rects[0], last = rects[rects.length - 1];
            return {x0: first.left + 1, y0: first.top + first.height / 2,
                    x1: last.right - 1, y1: last.top + last.height / 2};
          }
          return null;
        }"""
