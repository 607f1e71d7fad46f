//! Allocation: every cost line lands in cost centres, whole or split, and the parts add up.
//!
//! A line is placed by, in order:
//! 1. the cost centre its source names (a people cost with `cost_centre`), when that centre exists;
//! 2. the first rule that matches it (rules in their stored order): `by` one of environment,
//!    environment group, business area, department, service or any; `value` compared
//!    case-insensitively. The rule gives a `cost_centre` (the whole line goes there) or a `split`
//!    between `among` (every cost centre when empty) by usage, head count or evenly;
//! 3. otherwise the default cost centre.
//!
//! Weights for splits are people counted through the same rules: each person is placed as a cost
//! with only their department would be (split rules skipped), so "Finance" people count for the
//! cost centre Finance's own costs go to. Usage counts the people active in the month; head
//! count every enabled person in the directory (or a cost centre's `head_count` when given).
//! Splits use [`crate::money::split`] on billed, effective and list cost alike, so each line's
//! parts add back up to the line exactly.

use crate::lines::{Attributes, CostLine};
use crate::money::split;
use crate::records::{AllocationRule, CostCentre, RuleBasis, SplitBasis};
use crate::{CostError, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// One part of one line in one cost centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// Index of the line in the slice given to [`Allocator::allocate`].
    pub line: usize,
    pub cost_centre: String,
    pub billed_cost: i64,
    pub effective_cost: i64,
    pub list_cost: i64,
    /// FOCUS-style `x_AllocationMethod`: `direct`, `rule N (department = Finance)`, `default`.
    pub method: String,
    /// `x_AllocationBasis`: `whole`, or the split and this centre's weight (`usage 12 of 40`).
    pub basis: String,
}

/// A person as allocation weights see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub department: Option<String>,
    pub enabled: bool,
}

/// Rules, cost centres and split weights for one month.
#[derive(Debug, Clone)]
pub struct Allocator {
    rules: Vec<AllocationRule>,
    centres: Vec<String>,
    default: String,
    usage: BTreeMap<String, u64>,
    head_count: BTreeMap<String, u64>,
}

fn eq(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.trim().eq_ignore_ascii_case(b.trim()))
}

fn matches(rule: &AllocationRule, attrs: &Attributes, service: &str) -> bool {
    match rule.by {
        RuleBasis::Environment => eq(attrs.environment_id.as_deref(), &rule.value),
        RuleBasis::EnvironmentGroup => eq(attrs.environment_group.as_deref(), &rule.value),
        RuleBasis::BusinessArea => eq(attrs.business_area.as_deref(), &rule.value),
        RuleBasis::Department => eq(attrs.department.as_deref(), &rule.value),
        RuleBasis::Service => eq(Some(service), &rule.value),
        RuleBasis::Any => true,
    }
}

impl Allocator {
    /// Check the rules against the cost centres and count the split weights.
    /// `active` are the ids of people active in the month.
    pub fn new(
        rules: Vec<AllocationRule>,
        centres: &[CostCentre],
        default: &str,
        people: &[Person],
        active: &HashSet<String>,
    ) -> Result<Allocator> {
        let ids: Vec<String> = centres.iter().map(|c| c.id.clone()).collect();
        let known = |id: &str| id == default || ids.iter().any(|c| c == id);
        for (i, r) in rules.iter().enumerate() {
            r.check().map_err(|e| CostError::Allocation(format!("rule {}: {e}", i + 1)))?;
            for c in r.cost_centre.iter().chain(&r.among) {
                if !known(c) {
                    return Err(CostError::Allocation(format!(
                        "rule {} names cost centre '{c}', which does not exist; add it (steward cost centres import) or change the rule",
                        i + 1
                    )));
                }
            }
        }
        let mut a = Allocator {
            rules,
            centres: ids,
            default: default.to_string(),
            usage: BTreeMap::new(),
            head_count: BTreeMap::new(),
        };
        for p in people {
            let attrs = Attributes { department: p.department.clone(), ..Default::default() };
            let centre = a.place_whole(&attrs, "").map_or_else(|| a.default.clone(), |(c, _)| c);
            if p.enabled {
                *a.head_count.entry(centre.clone()).or_default() += 1;
            }
            if active.contains(&p.id) {
                *a.usage.entry(centre).or_default() += 1;
            }
        }
        for c in centres {
            if let Some(n) = c.head_count {
                a.head_count.insert(c.id.clone(), n);
            }
        }
        Ok(a)
    }

    /// The first non-split rule that places these attributes, with its position.
    fn place_whole(&self, attrs: &Attributes, service: &str) -> Option<(String, usize)> {
        self.rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.split.is_none() && matches(r, attrs, service))
            .and_then(|(i, r)| r.cost_centre.clone().map(|c| (c, i)))
    }

    /// Place every line. For each line the parts' costs sum to the line's costs exactly.
    pub fn allocate(&self, lines: &[CostLine]) -> Vec<Allocation> {
        let mut out = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            let whole = |centre: &str, method: String| Allocation {
                line: i,
                cost_centre: centre.to_string(),
                billed_cost: line.billed_cost,
                effective_cost: line.effective_cost,
                list_cost: line.list_cost,
                method,
                basis: "whole".into(),
            };
            if let Some(c) = &line.attributes.cost_centre
                && (c == &self.default || self.centres.contains(c))
            {
                out.push(whole(c, "direct".into()));
                continue;
            }
            let rule = self.rules.iter().enumerate().find(|(_, r)| matches(r, &line.attributes, &line.service));
            let Some((n, rule)) = rule else {
                out.push(whole(&self.default, "default".into()));
                continue;
            };
            let method = if rule.by == RuleBasis::Any {
                format!("rule {} (any)", n + 1)
            } else {
                format!("rule {} ({} = {})", n + 1, rule.by, rule.value)
            };
            match (&rule.cost_centre, rule.split) {
                (Some(c), _) => out.push(whole(c, method)),
                (None, Some(basis)) => {
                    let mut among: Vec<String> =
                        if rule.among.is_empty() { self.centres.clone() } else { rule.among.clone() };
                    // A centre named twice is one centre: one part each.
                    let mut seen = HashSet::new();
                    among.retain(|c| seen.insert(c.clone()));
                    if among.is_empty() {
                        out.push(whole(&self.default, method));
                        continue;
                    }
                    let weights: Vec<u64> = among
                        .iter()
                        .map(|c| match basis {
                            SplitBasis::Usage => self.usage.get(c).copied().unwrap_or(0),
                            SplitBasis::HeadCount => self.head_count.get(c).copied().unwrap_or(0),
                            SplitBasis::Even => 1,
                        })
                        .collect();
                    let total: u64 = weights.iter().sum();
                    let billed = split(line.billed_cost, &weights);
                    let effective = split(line.effective_cost, &weights);
                    let list = split(line.list_cost, &weights);
                    for (k, c) in among.iter().enumerate() {
                        let basis = if total == 0 {
                            format!("{basis} (no weights: even 1 of {})", among.len())
                        } else {
                            format!("{basis} {} of {total}", weights[k])
                        };
                        out.push(Allocation {
                            line: i,
                            cost_centre: c.clone(),
                            billed_cost: billed[k],
                            effective_cost: effective[k],
                            list_cost: list[k],
                            method: method.clone(),
                            basis,
                        });
                    }
                }
                (None, None) => out.push(whole(&self.default, "default".into())),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ChargeCategory;
    use crate::period::Period;
    use rand::{Rng, SeedableRng};

    fn line(billed: i64, attrs: Attributes, service: &str) -> CostLine {
        CostLine {
            month: Period::month(2026, 10).unwrap_or_else(|| panic!("month")),
            entry_id: "e".into(),
            description: "d".into(),
            service: service.into(),
            category: ChargeCategory::Purchase,
            resource_id: "r".into(),
            resource_name: "r".into(),
            steward_resource: None,
            quantity: 1.0,
            unit: "user".into(),
            list_cost: billed + billed / 10,
            billed_cost: billed,
            effective_cost: billed,
            currency: "USD".into(),
            attributes: attrs,
        }
    }

    fn centre(id: &str) -> CostCentre {
        CostCentre { id: id.into(), name: id.into(), owner: None, head_count: None }
    }

    fn dept(d: &str) -> Attributes {
        Attributes { department: Some(d.into()), ..Default::default() }
    }

    #[test]
    fn rules_in_order_then_default_and_splits_by_people() -> Result<()> {
        let rules = vec![
            AllocationRule {
                by: RuleBasis::Department,
                value: "finance".into(),
                cost_centre: Some("fin".into()),
                split: None,
                among: vec![],
            },
            AllocationRule {
                by: RuleBasis::Department,
                value: "Sales".into(),
                cost_centre: Some("sales".into()),
                split: None,
                among: vec![],
            },
            AllocationRule {
                by: RuleBasis::Service,
                value: "CoE team".into(),
                cost_centre: None,
                split: Some(SplitBasis::HeadCount),
                among: vec!["fin".into(), "sales".into()],
            },
            AllocationRule {
                by: RuleBasis::Service,
                value: "Dataverse".into(),
                cost_centre: None,
                split: Some(SplitBasis::Usage),
                among: vec!["fin".into(), "sales".into()],
            },
        ];
        let people = vec![
            Person { id: "a".into(), department: Some("Finance".into()), enabled: true },
            Person { id: "b".into(), department: Some("Sales".into()), enabled: true },
            Person { id: "c".into(), department: Some("Sales".into()), enabled: true },
            Person { id: "d".into(), department: Some("Sales".into()), enabled: false },
        ];
        let active: HashSet<String> = ["a".to_string()].into();
        let a = Allocator::new(rules, &[centre("fin"), centre("sales")], "it", &people, &active)?;
        let lines = vec![
            line(2000, dept("FINANCE"), "Power Apps"),
            line(2000, dept("Legal"), "Power Apps"),
            line(1000, Attributes::default(), "CoE team"),
            line(999, Attributes::default(), "Dataverse"),
        ];
        let out = a.allocate(&lines);
        let got: Vec<(usize, &str, i64, &str)> =
            out.iter().map(|x| (x.line, x.cost_centre.as_str(), x.billed_cost, x.basis.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (0, "fin", 2000, "whole"),
                (1, "it", 2000, "whole"),
                (2, "fin", 333, "head_count 1 of 3"),
                (2, "sales", 667, "head_count 2 of 3"),
                (3, "fin", 999, "usage 1 of 1"),
                (3, "sales", 0, "usage 0 of 1"),
            ]
        );
        assert_eq!(out[0].method, "rule 1 (department = finance)");
        assert_eq!(out[1].method, "default");
        Ok(())
    }

    #[test]
    fn a_rule_naming_an_unknown_cost_centre_is_refused() {
        let rules = vec![AllocationRule {
            by: RuleBasis::Any,
            value: String::new(),
            cost_centre: Some("nope".into()),
            split: None,
            among: vec![],
        }];
        let err = Allocator::new(rules, &[centre("fin")], "it", &[], &HashSet::new());
        assert!(err.is_err_and(|e| e.to_string().contains("'nope'")));
    }

    /// Property: over random lines, rules, cost centres and people, every line's parts add up to
    /// the line exactly (billed, effective, list), every part names one known cost centre, and
    /// the report total equals the sum of the lines.
    #[test]
    fn every_cost_lands_and_adds_back_up() -> Result<()> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let depts = ["Finance", "Sales", "HR", "IT", "Legal"];
        let services = ["Power Apps", "Dataverse", "CoE team", "Power Automate"];
        for _ in 0..500 {
            let ncentres = rng.random_range(0..5);
            let centres: Vec<CostCentre> = (0..ncentres).map(|i| centre(&format!("c{i}"))).collect();
            let pick_centre = |rng: &mut rand_chacha::ChaCha8Rng| -> String {
                if ncentres == 0 { "default".into() } else { format!("c{}", rng.random_range(0..ncentres)) }
            };
            let nrules = rng.random_range(0..6);
            let mut rules = Vec::new();
            for _ in 0..nrules {
                let by = RuleBasis::ALL[rng.random_range(0..RuleBasis::ALL.len())];
                let value = match by {
                    RuleBasis::Service => services[rng.random_range(0..services.len())].to_string(),
                    _ => depts[rng.random_range(0..depts.len())].to_string(),
                };
                let value = if by == RuleBasis::Any { String::new() } else { value };
                if rng.random_bool(0.5) {
                    rules.push(AllocationRule {
                        by,
                        value,
                        cost_centre: Some(pick_centre(&mut rng)),
                        split: None,
                        among: vec![],
                    });
                } else {
                    let basis = SplitBasis::ALL[rng.random_range(0..SplitBasis::ALL.len())];
                    let among = (0..rng.random_range(0..3)).map(|_| pick_centre(&mut rng)).collect();
                    rules.push(AllocationRule { by, value, cost_centre: None, split: Some(basis), among });
                }
            }
            let people: Vec<Person> = (0..rng.random_range(0..20))
                .map(|i| Person {
                    id: format!("p{i}"),
                    department: Some(depts[rng.random_range(0..depts.len())].to_string()),
                    enabled: rng.random_bool(0.8),
                })
                .collect();
            let active: HashSet<String> =
                people.iter().filter(|_| rng.random_bool(0.5)).map(|p| p.id.clone()).collect();
            let a = Allocator::new(rules, &centres, "default", &people, &active)?;
            let lines: Vec<CostLine> = (0..rng.random_range(1..30))
                .map(|_| {
                    let billed = match rng.random_range(0..3) {
                        0 => rng.random_range(-1000..1000),
                        1 => rng.random_range(0..1_000_000_000_000),
                        _ => rng.random_range(0..100),
                    };
                    let attrs = Attributes {
                        department: rng.random_bool(0.7).then(|| depts[rng.random_range(0..depts.len())].to_string()),
                        ..Default::default()
                    };
                    line(billed, attrs, services[rng.random_range(0..services.len())])
                })
                .collect();
            let out = a.allocate(&lines);
            for (i, l) in lines.iter().enumerate() {
                let parts: Vec<&Allocation> = out.iter().filter(|x| x.line == i).collect();
                assert!(!parts.is_empty(), "line {i} landed nowhere");
                assert_eq!(parts.iter().map(|p| p.billed_cost).sum::<i64>(), l.billed_cost);
                assert_eq!(parts.iter().map(|p| p.effective_cost).sum::<i64>(), l.effective_cost);
                assert_eq!(parts.iter().map(|p| p.list_cost).sum::<i64>(), l.list_cost);
                let mut seen = HashSet::new();
                for p in parts {
                    assert!(p.cost_centre == "default" || centres.iter().any(|c| c.id == p.cost_centre));
                    assert!(seen.insert(p.cost_centre.clone()) || p.basis != "whole", "a whole line lands once");
                }
            }
            let total: i64 = lines.iter().map(|l| l.billed_cost).sum();
            assert_eq!(out.iter().map(|x| x.billed_cost).sum::<i64>(), total);
        }
        Ok(())
    }
}
