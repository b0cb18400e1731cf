-- Every drug of the two documented cases, plus the drugs most used for hemifacial spasm elsewhere.
-- ATC codes from the WHO ATC index; Xuesaitong (Panax notoginseng saponins) has none.
-- "Vitamin B12 (cobalamin)" is not specified further in its source, so it carries the level-4 group B03BA.
INSERT INTO drugs (code, name, atc_code, drug_class) VALUES
  ('thiamine',          'Vitamin B1 (thiamine)',           'A11DA01', 'vitamin (neurotrophic)'),
  ('cobalamin',         'Vitamin B12 (cobalamin)',         'B03BA',   'vitamin (neurotrophic)'),
  ('mecobalamin',       'Mecobalamin',                     'B03BA05', 'vitamin (neurotrophic)'),
  ('gabapentin',        'Gabapentin',                      'N03AX12', 'anticonvulsant'),
  ('carbamazepine',     'Carbamazepine',                   'N03AF01', 'anticonvulsant'),
  ('oxcarbazepine',     'Oxcarbazepine',                   'N03AF02', 'anticonvulsant'),
  ('levetiracetam',     'Levetiracetam',                   'N03AX14', 'anticonvulsant'),
  ('clonazepam',        'Clonazepam',                      'N03AE01', 'benzodiazepine (anticonvulsant)'),
  ('baclofen',          'Baclofen',                        'M03BX01', 'muscle relaxant'),
  ('botulinum-toxin-a', 'Botulinum toxin type A',          'M03AX01', 'neuromuscular blocker'),
  ('estazolam',         'Estazolam',                       'N05CD04', 'benzodiazepine (hypnotic)'),
  ('xuesaitong',        'Xuesaitong (Panax notoginseng saponins)', NULL, 'traditional Chinese medicine (circulatory)');
