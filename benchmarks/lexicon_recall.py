"""Lexicon-only drug_sale recall on the corpus and the independent suite, and its false-positive
rate on literal uses and prevention/news texts (issue "Foundation").

    python benchmarks/lexicon_recall.py
"""

import pandas as pd
from risksignals.datasets import load_examples
from risksignals.models.lexicon import LexiconModel
from risksignals.evaluation.functional import load_cases, load_capabilities
m=LexiconModel().fit()
df=load_examples()
pos=df[(df.drug_sale==1)]
P=m.predict(pos.text.tolist())[:,0]
print('lexicon drug_sale recall, all corpus drug-sale texts: %.3f (n=%d)' % (P.mean(), len(P)))
hand=pos.source.str.startswith('hand')
print('  hand-written only: %.3f (n=%d)' % (P[hand.to_numpy()].mean(), hand.sum()))
by=pd.Series(P,index=pos.index).groupby(pos.slice).mean()
fam={'code words':'ds_code_word','emoji menus':'ds_emoji_menu','obfuscated':'ds_obfuscated','nynorsk/dialect':'ds_nynorsk_dialect','english mix':'ds_english_mix','plain offers':'ds_plain_offer','requests':'ds_request_buy','delivery':'ds_delivery','recruiting':'ds_recruit','pills':'ds_pills','story captions':'ds_story_caption'}
print('  by slice: ' + ', '.join(f"{k} {by[v]:.2f}" for k,v in fam.items()))
caps=load_capabilities(); cases=[c for c in load_cases() if caps[c.capability].type=='MFT' and caps[c.capability].group=='drug_sale']
Pc=m.predict([c.text for c in cases])[:,0]
print('functional suite drug_sale MFT cases (independent author): recall %.3f (n=%d)' % (Pc.mean(), len(Pc)))
neg=df[df.slice.str.contains('literal|candy|shoes|basket|innocent_emoji') & (df.drug_sale==0)]
prev=df[df.slice.str.contains('prevention|news|quote|teaching') & (df.drug_sale==0)]
for name,d in [('literal uses (candy, shoes, basketball, innocent emoji)',neg),('prevention, news, teaching, quoting',prev)]:
    print('false-positive rate on %s: %.3f (n=%d)' % (name, m.predict(d.text.tolist())[:,0].mean(), len(d)))
