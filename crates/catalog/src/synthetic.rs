//! Synthetic listed catalog items, deterministic by seed, for benchmarks (`steward bench
//! catalog`) and tests at sizes no real catalog reaches.
//!
//! Titles, summaries and descriptions draw their words from a vocabulary of [`VOCABULARY_SIZE`]
//! words by Zipf's law (the word of rank r is drawn with a probability proportional to 1/r), as
//! natural text does. The domain words people search for ([`WORDS`]) sit at ranks 10 to 1,990,
//! one every 20 ranks, so the most common of them is in about a third of the items and the
//! rarest in under 1%; the other ranks are made-up words.

use steward_model::{ImpactLevel, LifecycleStage, SupportTier, Timestamp};
use steward_store::catalog::{CatalogItem, ItemFields, ItemKind, PublicationState, RatingSummary};

/// Words of titles and descriptions.
pub const WORDS: &[&str] = &[
    "invoice",
    "approval",
    "expense",
    "travel",
    "leave",
    "request",
    "onboarding",
    "timesheet",
    "budget",
    "forecast",
    "inventory",
    "asset",
    "ticket",
    "incident",
    "helpdesk",
    "survey",
    "feedback",
    "report",
    "dashboard",
    "audit",
    "contract",
    "vendor",
    "supplier",
    "purchase",
    "order",
    "quote",
    "customer",
    "lead",
    "opportunity",
    "campaign",
    "training",
    "course",
    "booking",
    "room",
    "desk",
    "visitor",
    "badge",
    "safety",
    "inspection",
    "maintenance",
    "fleet",
    "vehicle",
    "mileage",
    "claim",
    "payroll",
    "benefits",
    "recruiting",
    "candidate",
    "interview",
    "offer",
    "policy",
    "compliance",
    "risk",
    "register",
    "tracker",
    "planner",
    "calendar",
    "schedule",
    "roster",
    "shift",
    "warehouse",
    "shipment",
    "delivery",
    "returns",
    "quality",
    "defect",
    "change",
    "release",
    "project",
    "task",
    "meeting",
    "minutes",
    "notes",
    "knowledge",
    "article",
    "faq",
    "chatbot",
    "assistant",
    "summary",
    "translation",
    "document",
    "signature",
    "archive",
    "records",
    "retention",
    "privacy",
    "consent",
    "access",
    "password",
    "device",
    "laptop",
    "mobile",
    "license",
    "subscription",
    "renewal",
    "reminder",
    "escalation",
    "sla",
    "kpi",
    "scorecard",
];
pub const DEPARTMENTS: &[&str] = &[
    "Finance",
    "HR",
    "IT",
    "Sales",
    "Marketing",
    "Operations",
    "Legal",
    "Procurement",
    "Facilities",
    "Customer Service",
    "Engineering",
    "Research",
    "Logistics",
    "Quality",
    "Security",
    "Communications",
    "Strategy",
    "Risk",
    "Audit",
    "Treasury",
];
pub const BUSINESS_AREAS: &[&str] =
    &["Corporate", "Retail", "Manufacturing", "Wholesale", "Services", "Public Sector", "Healthcare", "Energy"];
pub const CATEGORIES: &[&str] = &[
    "Expenses",
    "Approvals",
    "Onboarding",
    "Reporting",
    "Field work",
    "Customer care",
    "Sales",
    "Scheduling",
    "Inventory",
    "Compliance",
    "Knowledge",
    "Facilities",
    "Procurement",
    "Security",
    "Productivity",
];
pub const TAGS: &[&str] = &[
    "mobile",
    "teams",
    "sharepoint",
    "dataverse",
    "sql",
    "excel",
    "outlook",
    "approvals",
    "forms",
    "ai",
    "copilot",
    "offline",
    "barcode",
    "gps",
    "camera",
    "signature",
    "pdf",
    "email",
    "notifications",
    "scheduled",
    "external",
    "premium",
    "custom-connector",
    "power-bi",
    "adaptive-cards",
    "chatbot",
    "translation",
    "ocr",
    "gdpr",
    "finance",
    "hr",
    "it",
    "sales",
    "field",
    "retail",
    "factory",
    "warehouse",
    "legal",
    "audit",
    "travel",
];
pub const PLATFORMS: &[&str] = &["power_platform", "azure_openai", "appian"];

/// A small deterministic generator (SplitMix64), so benchmarks need no `rand`.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Skewed toward 0: the square of a uniform draw, so low indexes are common.
    pub fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u) * n as f64) as usize % n.max(1)
    }

    pub fn pick<'a>(&mut self, values: &[&'a str]) -> &'a str {
        values[self.below(values.len())]
    }

    pub fn pick_skewed<'a>(&mut self, values: &[&'a str]) -> &'a str {
        values[self.skewed(values.len())]
    }
}

/// Words in the vocabulary the text is drawn from.
pub const VOCABULARY_SIZE: usize = 2_100;

/// The vocabulary by rank, and the cumulative Zipf probabilities of drawing each rank.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
    VOCABULARY.get_or_init(|| {
        const SYLLABLES: &[&str] =
            &["ka", "lo", "mer", "tri", "sun", "val", "den", "po", "rix", "ta", "bel", "cor", "fi", "gan", "hu", "ul"];
        let mut words: Vec<String> = (0..VOCABULARY_SIZE)
            .map(|r| {
                let (a, b, c) = (r % 16, (r / 16) % 16, (r / 256) % 16);
                format!("{}{}{}", SYLLABLES[a], SYLLABLES[b], SYLLABLES[c])
            })
            .collect();
        for (i, word) in WORDS.iter().enumerate() {
            words[10 + 20 * i] = word.to_string();
        }
        let mut total = 0.0;
        let cumulative = (1..=VOCABULARY_SIZE)
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect::<Vec<f64>>()
            .into_iter()
            .map(|c| c / total)
            .collect();
        Vocabulary { words, cumulative }
    })
}

impl Rng {
    /// A word of the vocabulary, by Zipf's law.
    pub fn zipf_word(&mut self) -> &'static str {
        let v = vocabulary();
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let rank = v.cumulative.partition_point(|c| *c < u).min(VOCABULARY_SIZE - 1);
        &v.words[rank]
    }

    fn words(&mut self, count: usize) -> String {
        let words: Vec<&str> = (0..count).map(|_| self.zipf_word()).collect();
        capitalised(&words.join(" "))
    }
}

/// `count` listed items with ids from `first_id`, deterministic by `seed`.
pub fn items(first_id: i64, count: usize, seed: u64) -> impl Iterator<Item = CatalogItem> {
    let mut rng = Rng::new(seed ^ (first_id as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let at = Timestamp::default();
    (0..count).map(move |n| {
        let id = first_id + n as i64;
        let lengths = (2 + rng.below(3), 6 + rng.below(6), 20 + rng.below(30));
        let (title, summary, description) = (rng.words(lengths.0), rng.words(lengths.1), rng.words(lengths.2));
        let mut tags: Vec<String> = (0..rng.below(5)).map(|_| rng.pick_skewed(TAGS).to_string()).collect();
        tags.sort();
        tags.dedup();
        let kind = ItemKind::ALL[rng.skewed(ItemKind::ALL.len())];
        let criticality = match rng.below(10) {
            0 => Some(ImpactLevel::Critical),
            1..=3 => Some(ImpactLevel::High),
            4..=7 => Some(ImpactLevel::NonCritical),
            _ => None,
        };
        let mut fields = ItemFields::new(kind, rng.pick_skewed(PLATFORMS), &title);
        fields.summary = summary;
        fields.description = description;
        fields.department = (rng.below(10) > 0).then(|| rng.pick_skewed(DEPARTMENTS).to_string());
        fields.business_area = Some(rng.pick(BUSINESS_AREAS).to_string());
        fields.category = Some(rng.pick_skewed(CATEGORIES).to_string());
        fields.tags = tags;
        fields.owner = Some(format!("p{}", rng.below(50_000)));
        fields.backup_owner = Some(format!("p{}", rng.below(50_000)));
        fields.support_tier = Some(SupportTier::ALL[rng.below(SupportTier::ALL.len())]);
        fields.criticality = criticality;
        fields.featured = rng.below(50) == 0;
        let stages = [LifecycleStage::Prototype, LifecycleStage::Pilot, LifecycleStage::Production];
        let stage = if rng.below(20) == 0 { LifecycleStage::Retired } else { stages[rng.below(3)] };
        let ratings = rng.below(20) as i64;
        CatalogItem {
            id,
            seq: id,
            fields,
            stage,
            state: PublicationState::Listed,
            created_at: at,
            created_by: "bench".to_string(),
            updated_at: at,
            updated_by: "bench".to_string(),
            ratings: RatingSummary::from_sum(ratings, ratings * (1 + rng.below(5) as i64)),
            reviews: 0,
        }
    })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
