//! Word lists and the connector catalogue the synthetic tenant draws from.

pub const TENANTS: &[(&str, &str)] = &[
    ("Contoso", "contoso"),
    ("Fabrikam", "fabrikam"),
    ("Northwind Traders", "northwindtraders"),
    ("Woodgrove Bank", "woodgrovebank"),
    ("Adventure Works", "adventureworks"),
    ("Tailspin Toys", "tailspintoys"),
    ("Litware", "litware"),
    ("Proseware", "proseware"),
];

pub const DEPARTMENTS: &[&str] = &[
    "Finance",
    "Human Resources",
    "Sales",
    "Marketing",
    "Operations",
    "IT",
    "Legal",
    "Procurement",
    "Customer Service",
    "Research and Development",
    "Manufacturing",
    "Logistics",
    "Facilities",
    "Communications",
];

pub const BUSINESS_AREAS: &[&str] =
    &["Finance", "People", "Sales", "Operations", "Supply Chain", "Customer Care", "Technology", "Legal and Risk"];

/// Countries with weights (users per hundred).
pub const COUNTRIES: &[(&str, u32)] = &[
    ("United States", 30),
    ("United Kingdom", 12),
    ("Germany", 10),
    ("France", 8),
    ("India", 10),
    ("Netherlands", 5),
    ("Spain", 5),
    ("Canada", 5),
    ("Australia", 4),
    ("Brazil", 4),
    ("Japan", 4),
    ("Poland", 3),
];

pub const FIRST_NAMES: &[&str] = &[
    "Adele",
    "Alex",
    "Amber",
    "Ana",
    "Ben",
    "Bianca",
    "Carlos",
    "Chen",
    "Christie",
    "Daniel",
    "Diego",
    "Elena",
    "Emily",
    "Fatima",
    "Grady",
    "Hana",
    "Henrietta",
    "Isaiah",
    "Johanna",
    "Joni",
    "Kenji",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Nora",
    "Omar",
    "Patti",
    "Pradeep",
    "Priya",
    "Raul",
    "Sakura",
    "Sofia",
    "Tom",
    "Wei",
    "Yusuf",
    "Zara",
    "Lukas",
];

pub const LAST_NAMES: &[&str] = &[
    "Vance",
    "Wilber",
    "Rodriguez",
    "Ito",
    "Cannon",
    "Mueller",
    "Garcia",
    "Sherman",
    "Lidman",
    "Holt",
    "Patel",
    "Nakamura",
    "Kowalski",
    "Dubois",
    "Rossi",
    "Okafor",
    "Silva",
    "Andersen",
    "Novak",
    "Khan",
    "Murphy",
    "Fischer",
    "Jensen",
    "Moreau",
    "Tanaka",
    "Smith",
    "Brown",
    "Nguyen",
    "Larsen",
    "Costa",
];

pub const JOB_TITLES: &[&str] = &[
    "Analyst",
    "Senior Analyst",
    "Specialist",
    "Coordinator",
    "Consultant",
    "Engineer",
    "Administrator",
    "Associate",
    "Advisor",
    "Project Manager",
];

pub const APP_SUBJECTS: &[&str] = &[
    "Expense",
    "Leave",
    "Travel",
    "Invoice",
    "Asset",
    "Inspection",
    "Onboarding",
    "Timesheet",
    "Purchase",
    "Incident",
    "Visitor",
    "Room",
    "Training",
    "Contract",
    "Vendor",
    "Inventory",
    "Safety",
    "Quality",
    "Budget",
    "Recruitment",
    "Fleet",
    "Maintenance",
    "Ticket",
    "Survey",
    "Event",
    "Order",
    "Shift",
    "Badge",
    "Audit",
    "Claims",
];

pub const APP_SUFFIXES: &[&str] = &[
    "Tracker",
    "Request",
    "Manager",
    "Portal",
    "Approvals",
    "Hub",
    "Log",
    "Planner",
    "Checklist",
    "Register",
    "Console",
    "Dashboard",
];

pub const FLOW_PATTERNS: &[&str] = &[
    "Notify team when {} is submitted",
    "Approve {} request",
    "Sync {} list to Excel",
    "Daily {} report",
    "Archive {} attachments",
    "Escalate overdue {}",
    "Post {} updates to Teams",
    "Copy {} emails to SharePoint",
];

pub const AGENT_SUFFIXES: &[&str] = &["Assistant", "Helpdesk Agent", "FAQ Bot", "Copilot", "Advisor"];

pub const CUSTOM_CONNECTOR_NAMES: &[&str] = &[
    "Contoso Invoicing",
    "HR Gateway",
    "Legacy ERP",
    "Warehouse API",
    "Claims Service",
    "Pricing Engine",
    "Badge System",
    "Fleet Telematics",
];

/// (name, display name, publisher).
pub const STANDARD_CONNECTORS: &[(&str, &str, &str)] = &[
    ("shared_sharepointonline", "SharePoint", "Microsoft"),
    ("shared_office365", "Office 365 Outlook", "Microsoft"),
    ("shared_office365users", "Office 365 Users", "Microsoft"),
    ("shared_teams", "Microsoft Teams", "Microsoft"),
    ("shared_excelonlinebusiness", "Excel Online (Business)", "Microsoft"),
    ("shared_approvals", "Approvals", "Microsoft"),
    ("shared_onedriveforbusiness", "OneDrive for Business", "Microsoft"),
    ("shared_flowpush", "Notifications", "Microsoft"),
    ("shared_planner", "Planner", "Microsoft"),
    ("shared_office365groups", "Office 365 Groups", "Microsoft"),
    ("shared_microsoftforms", "Microsoft Forms", "Microsoft"),
    ("shared_commondataserviceforapps", "Microsoft Dataverse", "Microsoft"),
    ("shared_powerbi", "Power BI", "Microsoft"),
    ("shared_todo", "Microsoft To Do (Business)", "Microsoft"),
    ("shared_conversionservice", "Content Conversion", "Microsoft"),
    ("shared_rss", "RSS", "Microsoft"),
    ("shared_outlook", "Outlook.com", "Microsoft"),
    ("shared_onenote", "OneNote (Business)", "Microsoft"),
    ("shared_wordonlinebusiness", "Word Online (Business)", "Microsoft"),
    ("shared_bingmaps", "Bing Maps", "Microsoft"),
];

pub const PREMIUM_CONNECTORS: &[(&str, &str, &str)] = &[
    ("shared_sql", "SQL Server", "Microsoft"),
    ("shared_azureblob", "Azure Blob Storage", "Microsoft"),
    ("shared_servicebus", "Service Bus", "Microsoft"),
    ("shared_salesforce", "Salesforce", "Microsoft"),
    ("shared_servicenow", "ServiceNow", "Microsoft"),
    ("shared_saperp", "SAP ERP", "Microsoft"),
    ("shared_keyvault", "Azure Key Vault", "Microsoft"),
    ("shared_docusign", "DocuSign", "DocuSign Inc."),
    ("shared_dynamicssmbsaas", "Business Central", "Microsoft"),
    ("shared_azuread", "Microsoft Entra ID", "Microsoft"),
    ("shared_webcontents", "HTTP with Microsoft Entra ID", "Microsoft"),
    ("shared_azuretables", "Azure Table Storage", "Microsoft"),
    ("shared_azureopenai", "Azure OpenAI", "Microsoft"),
    ("shared_adobesign", "Adobe Acrobat Sign", "Adobe Inc."),
];

pub const FLOW_ACTIONS: &[&str] = &[
    "GetItems",
    "PostMessageToConversation",
    "SendEmailV2",
    "CreateFile",
    "UpdateItem",
    "StartAndWaitForAnApproval",
    "AddRowV2",
    "GetUserProfile_V2",
    "CreateTask_V3",
    "HttpRequest",
];

pub const TRIGGERS: &[(&str, Option<&str>)] = &[
    ("Recurrence", None),
    ("OpenApiConnectionWebhook", None),
    ("OpenApiConnection", None),
    ("Request", Some("Button")),
    ("Request", Some("PowerAppV2")),
    ("Request", Some("Http")),
];

pub const SUSPENSION_REASONS: &[&str] = &["CompanyDlpViolation", "MissingLicense", "ConsecutiveFailures"];

/// (location, azure region, Dataverse CRM host suffix)
pub const REGIONS: &[(&str, &str, &str)] = &[
    ("unitedstates", "westus", "crm"),
    ("europe", "northeurope", "crm4"),
    ("unitedkingdom", "uksouth", "crm11"),
    ("asia", "southeastasia", "crm5"),
];
