//! `steward resource …`: what makers and the CoE declare about a resource (business impact,
//! justification, mitigation plan, support steps). Policies read these declarations; declaring
//! is how an owner answers "shared widely without a business justification".

use anyhow::Context;
use steward_model::{Declaration, ImpactLevel, LifecycleStage, SupportTier};

#[derive(Debug, clap::Subcommand)]
pub enum ResourceCommand {
    /// Show what is declared and computed for a resource.
    Governance {
        /// The resource id.
        id: String,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Declare governance facts; fields not given stay as they are, an empty text clears one.
    /// Run `steward check` afterwards to re-evaluate the policies.
    Declare(DeclareArgs),
}

#[derive(Debug, clap::Args)]
pub struct DeclareArgs {
    /// The resource id.
    id: String,
    /// critical, high or non_critical.
    #[arg(long)]
    business_impact: Option<ImpactLevel>,
    /// Why the resource is shared widely or uses premium connectors.
    #[arg(long, value_name = "TEXT")]
    justification: Option<String>,
    /// What happens when it fails (required for high or critical impact).
    #[arg(long, value_name = "TEXT")]
    mitigation_plan: Option<String>,
    /// it_supported, it_blessed or maker_supported.
    #[arg(long)]
    support_tier: Option<SupportTier>,
    /// idea, prototype, pilot, production or retired.
    #[arg(long)]
    lifecycle_stage: Option<LifecycleStage>,
    #[arg(long, value_name = "CODE")]
    cost_centre: Option<String>,
    /// The resource was handed over to a support team.
    #[arg(long, value_name = "true|false")]
    handover_done: Option<bool>,
    /// The knowledge to run it was transferred to the support team.
    #[arg(long, value_name = "true|false")]
    knowledge_transfer_done: Option<bool>,
    /// Clear the business impact, support tier and lifecycle stage (texts clear with "").
    #[arg(long)]
    clear_levels: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

impl DeclareArgs {
    fn apply(&self, mut d: Declaration) -> Declaration {
        if self.clear_levels {
            d.business_impact = None;
            d.support_tier = None;
            d.lifecycle_stage = None;
        }
        d.business_impact = self.business_impact.or(d.business_impact);
        d.support_tier = self.support_tier.or(d.support_tier);
        d.lifecycle_stage = self.lifecycle_stage.or(d.lifecycle_stage);
        for (given, field) in [
            (&self.justification, &mut d.justification),
            (&self.mitigation_plan, &mut d.mitigation_plan),
            (&self.cost_centre, &mut d.cost_centre),
        ] {
            if let Some(text) = given {
                *field = Some(text.clone());
            }
        }
        d.handover_done = self.handover_done.unwrap_or(d.handover_done);
        d.knowledge_transfer_done = self.knowledge_transfer_done.unwrap_or(d.knowledge_transfer_done);
        d
    }
}

pub async fn run(cmd: ResourceCommand, db_url: &str) -> anyhow::Result<()> {
    let store = crate::db::open(db_url).await?;
    let (id, json, change) = match &cmd {
        ResourceCommand::Governance { id, json } => (id, *json, None),
        ResourceCommand::Declare(args) => (&args.id, args.json, Some(args)),
    };
    if store.get_resource(id).await?.is_none() {
        anyhow::bail!("no resource '{id}'; `steward violations` and the web UI show resource ids");
    }
    let mut governance = store.get_governance(id).await.context("cannot read the governance metadata")?;
    if let Some(args) = change {
        governance.declare(args.apply(governance.declaration()));
        store.set_governance(id, &governance).await.context("cannot save the declaration")?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&governance)?);
        return Ok(());
    }
    let text = |t: &Option<String>| t.clone().unwrap_or_else(|| "—".into());
    let level = |l: Option<&str>| l.unwrap_or("—").to_string();
    println!("business impact:          {}", level(governance.business_impact.map(|l| l.as_str())));
    println!("justification:            {}", text(&governance.justification));
    println!("mitigation plan:          {}", text(&governance.mitigation_plan));
    println!("support tier:             {}", level(governance.support_tier.map(|l| l.as_str())));
    println!("lifecycle stage:          {}", level(governance.lifecycle_stage.map(|l| l.as_str())));
    println!("cost centre:              {}", text(&governance.cost_centre));
    println!("hand-over done:           {}", governance.handover_done);
    println!("knowledge transfer done:  {}", governance.knowledge_transfer_done);
    if change.is_some() {
        println!("saved; `steward check` re-evaluates the policies, `steward responsibility {id}` shows the effect");
    }
    Ok(())
}
