#include "text/stopwords.hpp"

#include <string_view>
#include <unordered_set>

namespace fcd::text {

namespace {

// Short lists of the commonest function words: enough to keep them out of
// term vectors; rarer ones get a low weight from inverse document frequency.
constexpr std::string_view kEnglish =
    "a about above after again against all also am an and any are as at be because been before being below "
    "between both but by can could did do does doing down during each few for from further had has have "
    "having he her here hers herself him himself his how i if in into is it its itself just me more most my "
    "myself no nor not now of off on once only or other our ours out over own same she should so some such "
    "than that the their theirs them themselves then there these they this those through to too under until "
    "up very was we were what when where which while who whom why will with would you your yours yourself "
    "s t don dont doesn didn isn wasn aren won wouldn couldn shouldn ll ve re d m us via amid says said say "
    "new one two get gets got may might must shall",
    kGerman =
    "aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch auf "
    "aus bei bin bis bist da damit dann das dass daß dein dem den der des dessen dich die dies diese diesem "
    "diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines er es etwas euch euer für "
    "gegen hat hatte haben hier hin hinter ich ihm ihn ihnen ihr ihre im in indem ins ist jede jedem jeden "
    "jeder jedes jene kann kein keine man mein mich mir mit muss nach nicht nichts noch nun nur ob oder ohne "
    "sehr sein seine sich sie sind so soll um und uns unter vom von vor war waren was weil wenn wer werden "
    "wie wieder will wir wird wo zu zum zur über",
    kFrench =
    "au aux avec ce ces cette dans de des du elle en et eux il ils je la le les leur lui ma mais me même mes "
    "moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une "
    "vos votre vous c d j l m n s t y été est sont être avoir a ont fait plus comme tout tous après avant "
    "entre sans sous selon",
    kSpanish =
    "a al algo algunos ante antes como con contra cual cuando de del desde donde durante e el ella ellas "
    "ellos en entre era es esa ese eso esta estaba estado este esto estos fue ha hay la las le les lo los "
    "más me mi muy nada ni no nos o otra otro para pero poco por porque que quien se sea ser si sido sin "
    "sobre su sus también tanto te tiene todo todos tu un una uno unos y ya",
    kItalian =
    "a ad al alla alle allo agli ai anche che chi con contro da dal dalla dalle dei del della delle dello "
    "degli di dove e è ed era fra gli ha hanno i il in io la le lei li lo loro lui ma mi nei nel nella nelle "
    "no noi non o per più quale quando quella quello questa questo se sei si sia sono su sua sue sui sul "
    "sulla suo tra tu un una uno",
    kPortuguese =
    "a ao aos as até com como da das de dela dele do dos e ela elas ele eles em entre era é essa esse esta "
    "este eu foi há isso já lhe mais mas me mesmo muito na não nas nem no nos o os ou para pela pelas pelo "
    "pelos por qual quando que quem se sem ser seu seus só sua suas também te tem um uma umas uns você",
    kDutch =
    "aan al alles als bij dan dat de der deze die dit doch door dus een en er ge geen had heb hebben heeft "
    "het hier hij hoe hun ik in is ja je kan kon maar me meer men met mij mijn na naar niet niets nog nu of "
    "om omdat ons ook op over te tegen toch toen tot u uit van veel voor want was wat we wel werd wie wij "
    "wordt zal ze zei zelf zich zij zijn zo zonder zou",
    kRussian =
    "а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до его "
    "ее её если есть еще ещё же за здесь и из или им их к как ко когда кто ли либо меня мне может мы на над "
    "нам нас не него нее неё нет ни них но ну о об однако он она они оно от по под при с со так также такой "
    "там те тем то того тоже той только том ты у уже хотя чего чей чем что чтобы чье чья эта эти это я";

class StopWords {
 public:
  explicit StopWords(std::string_view list) {
    std::size_t pos = 0;
    while (pos < list.size()) {
      const std::size_t end = std::min(list.find(' ', pos), list.size());
      if (end > pos) words_.emplace(list.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  bool contains(std::string_view word) const { return words_.contains(word); }

 private:
  // Views into the static lists above: a lookup per token allocates nothing.
  std::unordered_set<std::string_view> words_;
};

const StopWords& list_for(Language language) {
  static const StopWords en(kEnglish), de(kGerman), fr(kFrench), es(kSpanish), it(kItalian), pt(kPortuguese),
      nl(kDutch), ru(kRussian);
  switch (language) {
    case Language::kGerman: return de;
    case Language::kFrench: return fr;
    case Language::kSpanish: return es;
    case Language::kItalian: return it;
    case Language::kPortuguese: return pt;
    case Language::kDutch: return nl;
    case Language::kRussian: return ru;
    default: return en;
  }
}

}  // namespace

bool is_stop_word(Language language, std::string_view word) { return list_for(language).contains(word); }

}  // namespace fcd::text
