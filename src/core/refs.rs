//! The papers the page cites, as BibTeX. Every title, author list and year here was read from
//! the paper's arXiv abstract page or its authors' repository (the `source` of each entry),
//! not recalled; where only some authors could be verified the entry ends "and others".
//! [`cited_in`] finds the entries a text cites by their arXiv identifiers: the page asks for the
//! BibTeX of what the open view shows, so it cites exactly the presets, laws and methods in use.

/// One paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// arXiv identifier.
    pub arxiv: &'static str,
    /// Title.
    pub title: &'static str,
    /// Authors in order, "Last, First".
    pub authors: &'static [&'static str],
    /// Whether `authors` is the complete list.
    pub complete: bool,
    /// Year of the first arXiv version.
    pub year: u16,
    /// Where the entry was read.
    pub source: &'static str,
}

impl Reference {
    /// The BibTeX key: first author's family name, year, and the first word of over four letters
    /// of the title after its first colon (the series name of "Predictable Scale: Part I, …"
    /// would not tell parts apart): `kaplan2020scaling`, `li2025optimal`.
    pub fn key(&self) -> String {
        let ascii = |s: &str| s.chars().filter(char::is_ascii_alphabetic).collect::<String>().to_ascii_lowercase();
        let family = self.authors.first().map_or("anon", |a| a.split(',').next().unwrap_or(a));
        let after = self.title.split_once(':').map_or(self.title, |(_, rest)| rest);
        let word = after.split_whitespace().map(ascii).find(|w| w.len() > 4).unwrap_or_default();
        format!("{}{}{}", ascii(family), self.year, word)
    }

    /// The entry as BibTeX (`@misc` with the arXiv fields).
    pub fn bibtex(&self) -> String {
        let mut authors = self.authors.join(" and ");
        if !self.complete {
            authors.push_str(" and others");
        }
        format!(
            "@misc{{{key},\n  title = {{{{{title}}}}},\n  author = {{{authors}}},\n  year = {{{year}}},\n  eprint = {{{id}}},\n  archivePrefix = {{arXiv}},\n  url = {{https://arxiv.org/abs/{id}}},\n}}\n",
            key = self.key(),
            title = self.title,
            year = self.year,
            id = self.arxiv,
        )
    }
}

/// Every paper the page cites.
pub const REFERENCES: &[Reference] = &[
    Reference {
        arxiv: "2001.08361",
        title: "Scaling Laws for Neural Language Models",
        authors: &["Kaplan, Jared", "McCandlish, Sam", "Henighan, Tom", "Brown, Tom B.", "Chess, Benjamin", "Child, Rewon", "Gray, Scott", "Radford, Alec", "Wu, Jeffrey", "Amodei, Dario"],
        complete: true,
        year: 2020,
        source: "https://apxml.com/courses/llm-compression-acceleration/chapter-1-foundations-llm-efficiency-challenges/scaling-laws-computational-costs (full author list + arXiv:2001.08361); date 'January 23, 2020' from https://aiwartracker.com/papers/scaling-laws-kaplan and https://centerconsulting.com/ai-library/papers/scaling-laws-kaplan — No arXiv-hosted page was available; the 10-author list comes from a secondary page that gives the arXiv ID/DOI. First three authors also confirmed by aiwartracker.",
    },
    Reference {
        arxiv: "2203.15556",
        title: "Training Compute-Optimal Large Language Models",
        authors: &["Hoffmann, Jordan", "Borgeaud, Sebastian", "Mensch, Arthur", "Buchatskaya, Elena", "Cai, Trevor", "Rutherford, Eliza", "de Las Casas, Diego", "Hendricks, Lisa Anne", "Welbl, Johannes", "Clark, Aidan", "Hennigan, Tom", "Noland, Eric", "Millican, Katie", "van den Driessche, George", "Damoc, Bogdan", "Guy, Aurelia", "Osindero, Simon", "Simonyan, Karen", "Elsen, Erich", "Rae, Jack W.", "Vinyals, Oriol", "Sifre, Laurent"],
        complete: true,
        year: 2022,
        source: "https://papers.cool/arxiv/2203.15556 (full author list); cross-checked against https://ownyourai.com/training-compute-optimal-large-language-models/ (paper header); date 2022-03-29 from https://wiki.papiers.ai/arxiv/2203.15556/lineage",
    },
    Reference {
        arxiv: "2404.10102",
        title: "Chinchilla Scaling: A replication attempt",
        authors: &["Besiroglu, Tamay", "Erdil, Ege", "Barnett, Matthew", "You, Josh"],
        complete: true,
        year: 2024,
        source: "https://arxiv.org/html/2404.10102v1 (and v2)",
    },
    Reference {
        arxiv: "2305.16264",
        title: "Scaling Data-Constrained Language Models",
        authors: &["Muennighoff, Niklas", "Rush, Alexander M.", "Barak, Boaz", "Le Scao, Teven", "Piktus, Aleksandra", "Tazi, Nouamane", "Pyysalo, Sampo", "Wolf, Thomas", "Raffel, Colin"],
        complete: true,
        year: 2023,
        source: "huggingface/datablations README.md (Citation BibTeX); submitted_at 2023-05-25 from https://pith.science/pith/7RK4LJX5VT4FOV77TQ73QHA6IV.json — Author order from the authors' own repo BibTeX. The NeurIPS proceedings page lists Tazi before Piktus; the arXiv order here follows the repo. pith.science lists the names alphabetically, so it was not used for order.",
    },
    Reference {
        arxiv: "2408.11029",
        title: "Scaling Law with Learning Rate Annealing",
        authors: &["Tissue, Howe", "Wang, Venus", "Wang, Lu"],
        complete: true,
        year: 2024,
        source: "https://arxiv.org/html/2408.11029v1",
    },
    Reference {
        arxiv: "2503.12811",
        title: "A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules",
        authors: &["Luo, Kairong", "Wen, Haodong", "Hu, Shengding", "Sun, Zhenbo", "Liu, Zhiyuan", "Sun, Maosong", "Lyu, Kaifeng", "Chen, Wenguang"],
        complete: true,
        year: 2025,
        source: "https://arxiv.org/html/2503.12811v1 (also https://ar5iv.labs.arxiv.org/html/2503.12811)",
    },
    Reference {
        arxiv: "2403.08540",
        title: "Language models scale reliably with over-training and on downstream tasks",
        authors: &["Gadre, Samir Yitzhak", "Smyrnis, Georgios", "Shankar, Vaishaal", "Gururangan, Suchin", "Wortsman, Mitchell", "Shao, Rulin", "Mercat, Jean", "Fang, Alex", "Li, Jeffrey", "Keh, Sedrick", "Xin, Rui", "Nezhurina, Marianna", "Vasiljevic, Igor", "Jitsev, Jenia", "Soldaini, Luca", "Dimakis, Alexandros G.", "Ilharco, Gabriel", "Koh, Pang Wei", "Song, Shuran", "Kollar, Thomas", "Carmon, Yair", "Dave, Achal", "Heckel, Reinhard", "Muennighoff, Niklas", "Schmidt, Ludwig"],
        complete: true,
        year: 2024,
        source: "https://thelatestinai.com/paper/2403.08540 (arXiv metadata, 'Submitted: Mar 13, 2024'); same 25 names in the same order at https://searchworks.jioinstitute.edu.in/?q=%22Gadre%2C+Samir+Yitzhak%22&search_field=author; title at https://arxiv.org/html/2403.08540v2 — Author lists differ between sources. The 2024 BibTeX in mlfoundations/scaling README.md has 23 authors (no Soldaini and no Koh). The ICLR 2025 listing (acmrep2026.k117.org) puts Soldaini before Jitsev. The 25-name order used here is from the arXiv-derived records.",
    },
    Reference {
        arxiv: "2401.00448",
        title: "Beyond Chinchilla-Optimal: Accounting for Inference in Language Model Scaling Laws",
        authors: &["Sardana, Nikhil", "Portes, Jacob", "Doubov, Sasha", "Frankle, Jonathan"],
        complete: true,
        year: 2023,
        source: "title + v1 date 'Sun, 31 Dec 2023' (v3 14 Apr 2025) from the arXiv abs mirror https://s.bingheai.cn:8443/abs/2401.00448; 4-author list from https://ri.k117.org/papers/beyond_chinchillaoptimal_accounting_for_inference_in_language_model_scaling_laws__b2d95a75 (ICML 2024) — The author list changed between versions. v1 (Dec 2023) lists only Nikhil Sardana and Jonathan Frankle, per https://paperswithcode.com/paper/beyond-chinchilla-optimal-accounting-for. The 4-author list is from the ICML 2024 version, and I assume it matches the later arXiv versions; the arXiv author line itself was not visible.",
    },
    Reference {
        arxiv: "2401.02954",
        title: "DeepSeek LLM: Scaling Open-Source Language Models with Longtermism",
        authors: &["{DeepSeek-AI}", "Bi, Xiao", "Chen, Deli", "Chen, Guanting", "Chen, Shanhuang", "Dai, Damai", "Deng, Chengqi", "Ding, Honghui", "Dong, Kai", "Du, Qiushi", "Fu, Zhe", "Gao, Huazuo", "Gao, Kaige", "Gao, Wenjun", "Ge, Ruiqi", "Guan, Kang", "Guo, Daya", "Guo, Jianzhong", "Hao, Guangbo", "Hao, Zhewen", "He, Ying", "Hu, Wenjie", "Huang, Panpan", "Li, Erhang", "Li, Guowei", "Li, Jiashi", "Li, Yao", "Li, Y.K.", "Liang, Wenfeng", "Lin, Fangyun", "Liu, A.X.", "Liu, Bo", "Liu, Wen", "Liu, Xiaodong", "Liu, Xin", "Liu, Yiyuan", "Lu, Haoyu", "Lu, Shanghao", "Luo, Fuli", "Ma, Shirong", "Nie, Xiaotao", "Pei, Tian", "Piao, Yishi", "Qiu, Junjie", "Qu, Hui", "Ren, Tongzheng", "Ren, Zehui", "Ruan, Chong", "Sha, Zhangli", "Shao, Zhihong", "Song, Junxiao", "Su, Xuecheng", "Sun, Jingxiang", "Sun, Yaofeng", "Tang, Minghui", "Wang, Bingxuan", "Wang, Peiyi", "Wang, Shiyu", "Wang, Yaohui", "Wang, Yongji", "Wu, Tong", "Wu, Y.", "Xie, Xin", "Xie, Zhenda", "Xie, Ziwei", "Xiong, Yiliang", "Xu, Hanwei", "Xu, R.X.", "Xu, Yanhong", "Yang, Dejian", "You, Yuxiang", "Yu, Shuiping", "Yu, Xingkai", "Zhang, B.", "Zhang, Haowei", "Zhang, Lecong", "Zhang, Liyue", "Zhang, Mingchuan", "Zhang, Minghua", "Zhang, Wentao", "Zhang, Yichao", "Zhao, Chenggang", "Zhao, Yao", "Zhou, Shangyan", "Zhou, Shunfeng", "Zhu, Qihao", "Zou, Yuheng"],
        complete: true,
        year: 2024,
        source: "arXiv abs page via proxy https://voozh.deno.dev/url/https://arxiv.org/abs/2401.02954 ('[Submitted on 5 Jan 2024]', 'DeepSeek-AI: Xiao Bi and 85 other authors'); same list at https://papers.cool/arxiv/2401.02954 — arXiv credits the paper as 'DeepSeek-AI:' followed by 86 named authors. 'DeepSeek-AI' is kept as the first entry and is a group name, not a person. Initial-only names such as Y.K. Li and A.X. Liu are kept as printed.",
    },
    Reference {
        arxiv: "2503.04715",
        title: "Predictable Scale: Part I, Step Law – Optimal Hyperparameter Scaling Law in Large Language Model Pre-training",
        authors: &["Li, Houyi", "Zheng, Wenzhen", "Wang, Qiufeng", "Zhang, Hanshan", "Wang, Zili", "Xuyang, Shijie", "Fan, Yuantao", "Ding, Zhenyu", "Wang, Haoying", "Ding, Ning", "Zhou, Shuigeng", "Zhang, Xiangyu", "Jiang, Daxin"],
        complete: true,
        year: 2025,
        source: "https://arxiv.org/html/2503.04715v7 (title and authors of v7); v1 title at https://arxiv.org/html/2503.04715v1 — The title and authors change across versions. v1 (March 2025) is titled 'Predictable Scale: Part I — Optimal Hyperparameter Scaling Law in Large Language Model Pretraining'. For v1, the project page step-law.github.io lists 11 authors including Jingcheng Hu. A May 2025 version on deeplearn.org lists 10. The entry here follows v7, the latest version I saw; I did not confirm whether a newer version exists.",
    },
    Reference {
        arxiv: "2406.12907",
        title: "Reconciling Kaplan and Chinchilla Scaling Laws",
        authors: &["Pearce, Tim", "Song, Jinyeop"],
        complete: true,
        year: 2024,
        source: "https://thelatestinai.com/paper/2406.12907 (authors, 'Submitted: Jun 12, 2024'); also https://www.sciencestack.ai/paper/2406.12907; title at https://arxiv.org/html/2406.12907v3",
    },
    Reference {
        arxiv: "2501.12486",
        title: "The Journey Matters: Average Parameter Count over Pre-training Unifies Sparse and Dense Scaling Laws",
        authors: &["Jin, Tian", "Humayun, Ahmed Imtiaz", "Evci, Utku", "Subramanian, Suvinay", "Yazdanbakhsh, Amir", "Alistarh, Dan", "Dziugaite, Gintare Karolina"],
        complete: true,
        year: 2025,
        source: "https://arxiv.org/html/2501.12486v2 — The year comes from the arXiv ID (2501 = January 2025); the exact v1 date was not seen. Same 7 authors on the ICLR 2025 poster page.",
    },
    Reference {
        arxiv: "2506.10972",
        title: "Predictable Scale: Part II, Farseer: A Refined Scaling Law in Large Language Models",
        authors: &["Li, Houyi", "Zheng, Wenzhen", "Wang, Qiufeng", "Ding, Zhenyu", "Wang, Haoying", "Wang, Zili", "Xuyang, Shijie", "Ding, Ning", "Zhou, Shuigeng", "Zhang, Xiangyu", "Jiang, Daxin"],
        complete: true,
        year: 2025,
        source: "https://tomesphere.com/paper/2506.10972 (current title); v1 title/authors/date ('[Submitted on 12 Jun 2025]') from a stored arXiv-feed markdown (find_string id 33207527392) and https://deeplearn.org/arxiv/618121/farseer:-a-refined-scaling-law-in-large-language-models — v1 was titled 'Farseer: A Refined Scaling Law in Large Language Models'. The 'Predictable Scale: Part II, ...' title is on later versions (v3, per a stored repo page). The same 11 authors appear in both.",
    },
    Reference {
        arxiv: "1910.02054",
        title: "ZeRO: Memory Optimizations Toward Training Trillion Parameter Models",
        authors: &["Rajbhandari, Samyam", "Rasley, Jeff", "Ruwase, Olatunji", "He, Yuxiong"],
        complete: true,
        year: 2019,
        source: "https://researchr.org/publication/RajbhandariRRH20 (authors, SC '20); year and arXiv id from the reference in https://gitcode.net/paddlepaddle/Paddle/-/issues/25863: \"Samyam Rajbhandari, Jeff Rasley, Olatunji Ruwase, Yuxiong He. (2019) … ArXiv:1910.02054\"",
    },
    Reference {
        arxiv: "2205.05198",
        title: "Reducing Activation Recomputation in Large Transformer Models",
        authors: &["Korthikanti, Vijay", "Casper, Jared", "Lym, Sangkug", "McAfee, Lawrence", "Andersch, Michael", "Shoeybi, Mohammad", "Catanzaro, Bryan"],
        complete: true,
        year: 2022,
        source: "https://thelatestinai.com/paper/2205.05198 (title, the seven authors, \"Submitted: May 10, 2022\")",
    },
    Reference {
        arxiv: "2401.04088",
        title: "Mixtral of Experts",
        authors: &["Jiang, Albert Q.", "Sablayrolles, Alexandre", "Roux, Antoine", "Mensch, Arthur", "Savary, Blanche", "Bamford, Chris", "Chaplot, Devendra Singh", "de las Casas, Diego", "Bou Hanna, Emma", "Bressand, Florian", "Lengyel, Gianna", "Bour, Guillaume", "Lample, Guillaume", "Renard Lavaud, Lélio", "Saulnier, Lucile", "Lachaux, Marie-Anne", "Stock, Pierre", "Subramanian, Sandeep", "Yang, Sophia", "Antoniak, Szymon", "Le Scao, Teven", "Gervet, Théophile", "Lavril, Thibaut", "Wang, Thomas", "Lacroix, Timothée", "El Sayed, William"],
        complete: true,
        year: 2024,
        source: "https://anilkeshwani.github.io/garden/Papers/Mixtral-of-Experts (title, 26 authors, \"Published: 8th January 2024\", http://arxiv.org/abs/2401.04088v1); same list at https://summarizepaper.com/en/tree/2401.04088v1",
    },
    Reference {
        arxiv: "2407.21783",
        title: "The Llama 3 Herd of Models",
        authors: &["Llama Team, AI @ Meta"],
        complete: false,
        year: 2024,
        source: "the paper's full text (a transcription in the search index): title and byline \"Llama Team, AI @ Meta\", Table 3 of the shapes; the hundreds of contributors are listed in its appendix",
    },
    Reference {
        arxiv: "2402.07871",
        title: "Scaling Laws for Fine-Grained Mixture of Experts",
        authors: &["Krajewski, Jakub", "Ludziejewski, Jan", "Adamczewski, Kamil", "Pióro, Maciej", "Krutul, Michał", "Antoniak, Szymon", "Ciebiera, Kamil", "Król, Krystian", "Odrzygóźdź, Tomasz", "Sankowski, Piotr", "Cygan, Marek", "Jaszczur, Sebastian"],
        complete: true,
        year: 2024,
        source: "the paper's byline and text in a Markdown conversion, github.com/middle-chunjie/mywiki raw/papers/krajewski-2024-scaling-2402-07871/paper.md (the twelve authors; arXiv 2402 = February 2024)",
    },
    Reference {
        arxiv: "2410.21676",
        title: "How Does Critical Batch Size Scale in Pre-training?",
        authors: &["Zhang, Hanlin", "Morwani, Depen", "Vyas, Nikhil", "Wu, Jingfeng", "Zou, Difan", "Ghai, Udaya", "Foster, Dean", "Kakade, Sham"],
        complete: true,
        year: 2024,
        source: "https://thelatestinai.com/paper/2410.21676 (the eight authors, \"Submitted: Oct 29, 2024\"); title and abstract on https://arxiv.org/html/2410.21676v4",
    },
    Reference {
        arxiv: "2411.04330",
        title: "Scaling Laws for Precision",
        authors: &["Kumar, Tanishq", "Ankner, Zachary", "Spector, Benjamin F.", "Bordelon, Blake", "Muennighoff, Niklas", "Paul, Mansheej", "Pehlevan, Cengiz", "Ré, Christopher", "Raghunathan, Aditi"],
        complete: true,
        year: 2024,
        source: "the paper's byline in a Markdown conversion of its ICLR version in the search index (nine authors); arXiv 2411 = November 2024",
    },
    Reference {
        arxiv: "2412.04403",
        title: "Establishing Task Scaling Laws via Compute-Efficient Model Ladders",
        authors: &["Bhagia, Akshita", "Liu, Jiacheng", "Wettig, Alexander", "Heineman, David", "Tafjord, Oyvind", "Jha, Ananya Harsh", "Soldaini, Luca", "Smith, Noah A.", "Groeneveld, Dirk", "Koh, Pang Wei", "Dodge, Jesse", "Hajishirzi, Hannaneh"],
        complete: true,
        year: 2024,
        source: "https://thelatestinai.com/paper/2412.04403 (the twelve authors, \"Submitted: Dec 5, 2024\"); title and date also on https://arxiv.org/abs/2412.04403v2",
    },
    Reference {
        arxiv: "2412.19437",
        title: "DeepSeek-V3 Technical Report",
        authors: &["DeepSeek-AI"],
        complete: false,
        year: 2024,
        source: "http://arxiver.lazybrains.com/author/301143 (title, the byline DeepSeek-AI and its contributors, the abstract: \"671B total parameters with 37B activated for each token\", arXiv:2412.19437)",
    },    Reference {
        arxiv: "2502.05172",
        title: "Joint MoE Scaling Laws: Mixture of Experts Can Be Memory Efficient",
        authors: &["Ludziejewski, Jan", "Pióro, Maciej", "Krajewski, Jakub", "Stefaniak, Maciej", "Krutul, Michał", "Małaśnicki, Jan", "Cygan, Marek", "Sankowski, Piotr", "Adamczewski, Kamil", "Miłoś, Piotr", "Jaszczur, Sebastian"],
        complete: true,
        year: 2025,
        source: "the title and the eleven authors' byline of the paper's full text (a Markdown conversion of the arXiv PDF in the search index); the identifier from a bibliography citing it (\"Joint MoE scaling laws: Mixture of experts can be memory efficient. arXiv preprint arXiv:2502.05172, 2025\"); arXiv 2502 = February 2025",
    },
    Reference {
        arxiv: "2501.12370",
        title: "Parameters vs FLOPs: Scaling Laws for Optimal Sparsity for Mixture-of-Experts Language Models",
        authors: &["Abnar, Samira", "Shah, Harshay", "Busbridge, Dan", "El-Nouby, Alaaeldin", "Susskind, Josh", "Thilak, Vimal"],
        complete: true,
        year: 2025,
        source: "the title and the six authors' byline (Apple, MIT) of the paper's full text (a Markdown conversion of the arXiv PDF in the search index); the identifier as the issue cites it (arXiv 2501.12370); arXiv 2501 = January 2025",
    },
];

/// The arXiv identifiers `text` names ("arXiv:2001.08361", "arXiv 2001.08361",
/// "arxiv.org/abs/2001.08361"), in order of first appearance, each once.
pub fn arxiv_ids(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("arxiv") {
        let after = &rest[at + 5..];
        let tail = after.trim_start_matches([':', ' ', '.', '/']).trim_start_matches("org/abs/");
        let id: String = tail.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        let id = id.trim_end_matches('.');
        let ok = id.len() >= 9 && id.as_bytes().get(4) == Some(&b'.') && id[..4].chars().all(|c| c.is_ascii_digit());
        if ok && !found.iter().any(|f| f == id) {
            found.push(id.to_string());
        }
        rest = after;
    }
    found
}

/// The references `text` cites, and the arXiv identifiers it names that have no entry.
pub fn cited_in(text: &str) -> (Vec<&'static Reference>, Vec<String>) {
    let mut refs = Vec::new();
    let mut unknown = Vec::new();
    for id in arxiv_ids(text) {
        match REFERENCES.iter().find(|r| r.arxiv == id) {
            Some(r) => refs.push(r),
            None => unknown.push(id),
        }
    }
    (refs, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_found_however_they_are_written_and_once() {
        let text = "Kaplan et al. 2020, arXiv:2001.08361, eq. 1.5; Besiroglu et al., arXiv 2404.10102. See arxiv.org/abs/2203.15556 and arXiv:2001.08361 again; arXiv alone; arXiv:12.3";
        assert_eq!(arxiv_ids(text), ["2001.08361", "2404.10102", "2203.15556"]);
    }

    #[test]
    fn every_entry_is_complete_enough_and_keys_are_unique() {
        let mut keys = std::collections::BTreeSet::new();
        for r in REFERENCES {
            assert!(!r.title.is_empty() && !r.authors.is_empty() && r.year >= 2019 && !r.source.is_empty(), "{r:?}");
            assert_eq!(arxiv_ids(&format!("arXiv:{}", r.arxiv)), [r.arxiv]);
            assert!(keys.insert(r.key()), "key {} twice", r.key());
            let bib = r.bibtex();
            assert!(bib.starts_with(&format!("@misc{{{},", r.key())) && bib.ends_with("}\n"), "{bib}");
            assert_eq!(bib.matches('{').count(), bib.matches('}').count(), "{bib}");
        }
    }

    /// Every arXiv identifier the page's own texts name has an entry: a citation shown on the
    /// page can always be exported.
    #[test]
    fn everything_the_page_cites_has_an_entry() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text = std::fs::read_to_string(root.join("www/index.html")).expect("index.html");
        for dir in ["src/core", "src/page"] {
            for entry in walk(&root.join(dir)) {
                text.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
            }
        }
        let (_, unknown) = cited_in(&text);
        assert!(unknown.is_empty(), "cited without a BibTeX entry: {unknown:?}");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("refs.rs") {
                out.push(path);
            }
        }
        out
    }
}
